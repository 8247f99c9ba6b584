import { Module } from '@nestjs/common';
import { QueueRootModule } from '../queues/queue-root.module';
import { InvoicesProcessor } from './invoices.processor';
import { InvoicesService } from './invoices.service';
import { PdfRenderer } from './pdf-renderer';

/** The `invoices` queue's handlers (imported by ProcessorsModule only). */
@Module({
  imports: [QueueRootModule],
  providers: [InvoicesService, PdfRenderer, InvoicesProcessor],
})
export class InvoiceProcessorsModule {}
