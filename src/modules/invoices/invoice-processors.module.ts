import { Module } from '@nestjs/common';
import { PaymentsModule } from '../payments/payments.module';
import { JobRunnerModule } from '../queues/job-runner.module';
import { InvoicesProcessor } from './invoices.processor';
import { InvoicesService } from './invoices.service';
import { PdfRenderer } from './pdf-renderer';

/** The `invoices` queue's handlers (imported by ProcessorsModule only). */
@Module({
  imports: [JobRunnerModule, PaymentsModule],
  providers: [InvoicesService, PdfRenderer, InvoicesProcessor],
})
export class InvoiceProcessorsModule {}
