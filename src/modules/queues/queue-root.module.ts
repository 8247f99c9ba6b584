import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { queueConfig, QueueConfig } from '../../config';
import { RedisFactory } from '../../redis/redis.factory';
import { QUEUE_NAMES } from './queue-names';
import { QueueDrain } from './queue-drain';
import { queueRegistryProvider, QueueRegistry } from './queue-registry';

/** Bull's root configuration and the queues, for producers and processors alike. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [RedisFactory, queueConfig.KEY],
      useFactory: (redis: RedisFactory, queue: QueueConfig) => ({
        prefix: `${redis.config.prefix}:bull`,
        createClient: (type) => redis.createForBull(type),
        defaultJobOptions: {
          attempts: queue.attempts,
          backoff: { type: 'exponential', delay: queue.backoffMs },
          removeOnComplete: 1000,
          removeOnFail: false,
        },
        // A worker killed mid-job loses its lock; another worker (or the restarted one) finds
        // the job stalled at its next check (within about lockDuration + stalledInterval) and
        // runs it again; past maxStalledCount stalls it is failed and kept for inspection.
        settings: {
          lockDuration: queue.lockDurationMs,
          lockRenewTime: Math.floor(queue.lockDurationMs / 2),
          stalledInterval: queue.stalledIntervalMs,
          maxStalledCount: queue.maxStalledCount,
        },
      }),
    }),
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
  ],
  // Every process closes its queues before the Redis factory closes the connections under them.
  providers: [queueRegistryProvider, QueueDrain],
  exports: [BullModule, QueueRegistry],
})
export class QueueRootModule {}
