import { registerAs } from '@nestjs/config';
import { IsOptional, IsString, Matches } from 'class-validator';
import { validateEnv } from './validate-env';

class MailEnv {
  /** Unset: messages are written as .eml files to MAIL_OUTBOX_DIR instead of being sent. */
  @IsOptional()
  @Matches(/^smtps?:\/\/.+/, { message: 'must be an smtp:// or smtps:// URL' })
  MAIL_URL?: string = undefined;

  @IsString()
  MAIL_FROM: string = 'Shop <no-reply@shop.local>';

  @IsString()
  MAIL_OUTBOX_DIR: string = 'mail-outbox';
}

export interface MailConfig {
  url?: string;
  from: string;
  outboxDir: string;
}

export function loadMailConfig(source: NodeJS.ProcessEnv = process.env): MailConfig {
  const raw = validateEnv(MailEnv, source);
  return { url: raw.MAIL_URL, from: raw.MAIL_FROM, outboxDir: raw.MAIL_OUTBOX_DIR };
}

export const mailConfig = registerAs('mail', () => loadMailConfig());
