import { Module } from '@nestjs/common';
import { CoreModule } from './core.module';
import { MailProcessorsModule } from './modules/mail/mail-processors.module';
import { InvoiceProcessorsModule } from './modules/invoices/invoice-processors.module';

/**
 * The queue processors. Registered only here: the worker process imports this module, and
 * the API imports it only when RUN_WORKERS=true.
 */
@Module({
  imports: [CoreModule, MailProcessorsModule, InvoiceProcessorsModule],
})
export class ProcessorsModule {}

/** Root of the worker process: no HTTP, only the processors. */
@Module({
  imports: [CoreModule, ProcessorsModule],
})
export class WorkerModule {}
