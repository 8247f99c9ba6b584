import { Module } from '@nestjs/common';
import { JobRunnerModule } from '../queues/job-runner.module';
import { PaymentsModule } from './payments.module';
import { PaymentsProcessor } from './payments.processor';

/** The `payments` queue's handler and the expiry sweep (imported by ProcessorsModule only). */
@Module({
  imports: [JobRunnerModule, PaymentsModule],
  providers: [PaymentsProcessor],
})
export class PaymentProcessorsModule {}
