import { Module } from '@nestjs/common';
import { OutboxRelay } from './outbox-relay';
import { QueueDrain } from './queue-drain';
import { QueueRootModule } from './queue-root.module';

/**
 * What every process that runs jobs needs besides the processors: the outbox relay and the
 * queue drain on shutdown. Imported by ProcessorsModule only.
 */
@Module({
  imports: [QueueRootModule],
  providers: [OutboxRelay, QueueDrain],
  exports: [OutboxRelay],
})
export class OutboxRelayModule {}
