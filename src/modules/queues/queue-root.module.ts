import { BullModule } from '@nestjs/bull';
import { Module } from '@nestjs/common';
import { queueConfig, QueueConfig } from '../../config';
import { RedisFactory } from '../../redis/redis.factory';
import { QUEUE_NAMES } from './queue-names';

/** Bull's root configuration and the queues, for producers and processors alike. */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [RedisFactory, queueConfig.KEY],
      useFactory: (redis: RedisFactory, queue: QueueConfig) => ({
        prefix: `${redis.config.prefix}:bull`,
        createClient: (type) => redis.createForBull(type),
        // A job whose worker died (lock expired) runs again after at most about
        // lockDuration + stalledInterval; a second stall fails it (kept for inspection).
        settings: {
          stalledInterval: queue.stalledIntervalMs,
          lockDuration: queue.lockDurationMs,
          maxStalledCount: 1,
        },
        defaultJobOptions: {
          attempts: queue.attempts,
          backoff: { type: 'exponential', delay: queue.backoffMs },
          removeOnComplete: 1000,
          removeOnFail: false,
        },
      }),
    }),
    BullModule.registerQueue(...QUEUE_NAMES.map((name) => ({ name }))),
  ],
  exports: [BullModule],
})
export class QueueRootModule {}
