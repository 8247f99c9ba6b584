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

  /**
   * The storefront's public address: the base of every link in an e-mail. Unset: the API
   * itself (`http://localhost:<PORT>`), which then serves small pages for those links.
   */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  PUBLIC_WEB_URL?: string = undefined;
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
  /**
   * PUBLIC_WEB_URL is this API (unset, or localhost/127.0.0.1 on PORT): the API serves the
   * pages e-mail links open (`/verify-email`, `/reset-password`, `/orders/:id`).
   */
  linksToApi: boolean;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether `url` is the API on `port` as seen from this machine. */
function isThisApi(url: string, port: string): boolean {
  const { hostname, port: urlPort, protocol, pathname } = new URL(url);
  const effectivePort = urlPort || (protocol === 'https:' ? '443' : '80');
  return LOOPBACK_HOSTS.has(hostname) && effectivePort === port && pathname === '/';
}

export function loadMailConfig(source: NodeJS.ProcessEnv = process.env): MailConfig {
  const raw = validateEnv(MailEnv, source);
  // PORT itself is validated with the app's config.
  const apiPort = /^\d+$/.test(source.PORT ?? '') ? String(Number(source.PORT)) : '3000';
  const publicWebUrl = raw.PUBLIC_WEB_URL ?? `http://localhost:${apiPort}`;
  return {
    url: raw.MAIL_URL,
    from: raw.MAIL_FROM,
    outboxDir: resolve(raw.MAIL_OUTBOX_DIR),
    templateDir: raw.MAIL_TEMPLATE_DIR
      ? resolve(raw.MAIL_TEMPLATE_DIR)
      : resolve(__dirname, '..', '..', 'templates'),
    publicWebUrl: publicWebUrl.replace(/\/+$/, ''),
    linksToApi: isThisApi(publicWebUrl, apiPort),
  };
}

export const mailConfig = registerAs('mail', () => loadMailConfig());
