import { Module } from '@nestjs/common';
import { JobRunnerModule } from '../queues/job-runner.module';
import { InvoicesProcessor } from './invoices.processor';
import { InvoicesService } from './invoices.service';
import { PdfRenderer } from './pdf-renderer';

/** The `invoices` queue's handlers (imported by ProcessorsModule only). */
@Module({
  imports: [JobRunnerModule],
  providers: [InvoicesService, PdfRenderer, InvoicesProcessor],
})
export class InvoiceProcessorsModule {}
