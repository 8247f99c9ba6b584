import { registerAs } from '@nestjs/config';
import { resolve } from 'node:path';
import { IsString, IsUrl, IsOptional, Matches, MinLength } from 'class-validator';
import { validateEnv } from './validate-env';

class MailEnv {
  /** Unset: messages are written as .eml files to MAIL_OUTBOX_DIR instead of being sent. */
  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'must be an smtp:// or smtps:// URL' })
  MAIL_URL?: string = undefined;

  @IsString()
  MAIL_FROM: string = 'Shop <no-reply@shop.local>';

  @IsString()
  @MinLength(1)
  MAIL_OUTBOX_DIR: string = 'mail-outbox';

  /**
   * Handlebars templates (layouts/, partials/, one folder per message). Unset: the project's
   * `templates/`, found from the code's own location (src/ or dist/), whatever the cwd.
   */
  @IsOptional()
  @IsString()
  MAIL_TEMPLATE_DIR?: string = undefined;

  /** The storefront's public address: the base of every link in an e-mail. */
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_WEB_URL: string = 'http://localhost:3000';
}

export interface MailConfig {
  url?: string;
  from: string;
  /** Absolute. */
  outboxDir: string;
  /** Absolute. */
  templateDir: string;
  /** Without a trailing slash. */
  publicWebUrl: string;
}

export function loadMailConfig(source: NodeJS.ProcessEnv = process.env): MailConfig {
  const raw = validateEnv(MailEnv, source);
  return {
    url: raw.MAIL_URL,
    from: raw.MAIL_FROM,
    outboxDir: resolve(raw.MAIL_OUTBOX_DIR),
    templateDir: raw.MAIL_TEMPLATE_DIR
      ? resolve(raw.MAIL_TEMPLATE_DIR)
      : resolve(__dirname, '..', '..', 'templates'),
    publicWebUrl: raw.PUBLIC_WEB_URL.replace(/\/+$/, ''),
  };
}

export const mailConfig = registerAs('mail', () => loadMailConfig());
