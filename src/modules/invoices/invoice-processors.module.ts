import { Module } from '@nestjs/common';
import { QueueRootModule } from '../queues/queue-root.module';
import { InvoicesModule } from './invoices.module';
import { InvoicesProcessor } from './invoices.processor';

/** The `invoices` queue's handlers (imported by ProcessorsModule only). */
@Module({
  imports: [QueueRootModule, InvoicesModule],
  providers: [InvoicesProcessor],
})
export class InvoiceProcessorsModule {}
