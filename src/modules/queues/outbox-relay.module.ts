import { Module } from '@nestjs/common';
import { OutboxRelay } from './outbox-relay';
import { QueueRootModule } from './queue-root.module';

/**
 * What every process that runs jobs needs besides the processors: the outbox relay (the queue
 * drain on shutdown is in QueueRootModule, for every process). Imported by ProcessorsModule only.
 */
@Module({
  imports: [QueueRootModule],
  providers: [OutboxRelay],
  exports: [OutboxRelay],
})
export class OutboxRelayModule {}
