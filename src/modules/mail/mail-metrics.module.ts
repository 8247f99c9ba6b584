import { Module } from '@nestjs/common';
import { MailMetrics } from './mail-metrics';

/**
 * The mail delivery metrics on the API's /metrics (read from `mail_log`, which the mail
 * module owns; the workers that send are other processes). Imported by AppModule.
 */
@Module({ providers: [MailMetrics] })
export class MailMetricsModule {}
