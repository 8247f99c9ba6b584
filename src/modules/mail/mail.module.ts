import { Module } from '@nestjs/common';
import { LowStockMailListener } from './low-stock-mail.listener';
import { MailAccountNotifier } from './mail-account-notifier';

/**
 * The producer side of mail: what queues messages (through the outbox), never what sends
 * them. AuthModule binds its AccountNotifier to MailAccountNotifier; the consumer is
 * MailProcessorsModule.
 */
@Module({
  providers: [MailAccountNotifier, LowStockMailListener],
  exports: [MailAccountNotifier],
})
export class MailModule {}
