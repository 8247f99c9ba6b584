import { Module } from '@nestjs/common';
import { JobRunnerModule } from '../queues/job-runner.module';
import { InvoicesModule } from './invoices.module';
import { InvoicesProcessor } from './invoices.processor';

/** The `invoices` queue's handlers (imported by ProcessorsModule only). */
@Module({
  imports: [JobRunnerModule, InvoicesModule],
  providers: [InvoicesProcessor],
})
export class InvoiceProcessorsModule {}
