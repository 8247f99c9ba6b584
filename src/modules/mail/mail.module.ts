import { Module } from '@nestjs/common';
import { LowStockMailListener } from './low-stock-mail.listener';
import { MailAccountNotifier } from './mail-account-notifier';
import { MailMetrics } from './mail-metrics';

/**
 * The producer side of mail: what queues messages (through the outbox), never what sends
 * them. AuthModule binds its AccountNotifier to MailAccountNotifier; the consumer is
 * MailProcessorsModule. MailMetrics puts the delivery metrics (read from `mail_log`) on the
 * API's /metrics.
 */
@Module({
  providers: [MailAccountNotifier, LowStockMailListener, MailMetrics],
  exports: [MailAccountNotifier],
})
export class MailModule {}
