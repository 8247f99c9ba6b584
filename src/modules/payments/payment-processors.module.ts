import { Module } from '@nestjs/common';
import { JobRunnerModule } from '../queues/job-runner.module';
import { ReviewLapsesModule } from '../reviews/review-lapses.module';
import { PaymentsModule } from './payments.module';
import { PaymentsProcessor } from './payments.processor';

/**
 * The `payments` queue's handler and the expiry sweep (imported by ProcessorsModule only); with
 * ReviewLapses, since expiring and refunding orders hide reviews that stop counting.
 */
@Module({
  imports: [JobRunnerModule, PaymentsModule, ReviewLapsesModule],
  providers: [PaymentsProcessor],
})
export class PaymentProcessorsModule {}
