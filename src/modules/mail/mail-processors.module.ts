import { MailerModule, MailerOptions } from '@nestjs-modules/mailer';
import { HandlebarsAdapter } from '@nestjs-modules/mailer/adapters/handlebars.adapter';
import { Module } from '@nestjs/common';
import { join } from 'node:path';
import { mailConfig, MailConfig, queueConfig, QueueConfig } from '../../config';
import { CatalogModule } from '../catalog/catalog.module';
import { InvoicesModule } from '../invoices/invoices.module';
import { OrdersModule } from '../orders/orders.module';
import { PaymentsModule } from '../payments/payments.module';
import { JobRunnerModule } from '../queues/job-runner.module';
import { UsersModule } from '../users/users.module';
import { MailLogService } from './mail-log.service';
import { MailMessages } from './mail-messages';
import { MailSender } from './mail-sender';
import { templateHelpers } from './mail-templates';
import { MailProcessor } from './mail.processor';

/**
 * MAIL_URL → SMTP over a pool of connections (one per job a worker runs at once, reused from
 * message to message); unset → nodemailer renders the message into a buffer for an .eml file.
 */
export function mailerOptions(config: MailConfig, queue: QueueConfig): MailerOptions {
  return {
    transport: config.url
      ? {
          url: config.url,
          pool: true,
          maxConnections: queue.concurrency,
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000,
        }
      : { streamTransport: true, buffer: true, newline: 'unix' },
    defaults: { from: config.from },
    template: {
      dir: config.templateDir,
      adapter: new HandlebarsAdapter(templateHelpers),
    },
    options: {
      partials: { dir: join(config.templateDir, 'partials') },
      layout: 'layouts/html',
    },
  };
}

/**
 * The mail queue's consumer: renders the templates and sends. Imported only by
 * ProcessorsModule (the worker, or the API with RUN_WORKERS=true). Owns `mail_log`
 * (MailLogService); reads users, orders, invoices, payments and variants through their modules.
 */
@Module({
  imports: [
    JobRunnerModule,
    PaymentsModule,
    UsersModule,
    OrdersModule,
    InvoicesModule,
    CatalogModule,
    MailerModule.forRootAsync({
      inject: [mailConfig.KEY, queueConfig.KEY],
      useFactory: mailerOptions,
    }),
  ],
  providers: [MailLogService, MailMessages, MailSender, MailProcessor],
  exports: [MailLogService],
})
export class MailProcessorsModule {}
