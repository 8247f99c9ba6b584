import { Module } from '@nestjs/common';
import { QueueRootModule } from '../queues/queue-root.module';
import { PaymentsModule } from './payments.module';
import { PaymentsProcessor } from './payments.processor';

/** The `payments` queue's handler and the expiry sweep (imported by ProcessorsModule only). */
@Module({
  imports: [QueueRootModule, PaymentsModule],
  providers: [PaymentsProcessor],
})
export class PaymentProcessorsModule {}
