import { Global, Module } from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisFactory } from './redis.factory';

/** The shared connection for commands (cart, rate limits, health). */
export const REDIS = Symbol('REDIS');
export type { Redis };

@Global()
@Module({
  providers: [
    RedisFactory,
    { provide: REDIS, inject: [RedisFactory], useFactory: (f: RedisFactory) => f.create('app') },
  ],
  exports: [RedisFactory, REDIS],
})
export class RedisModule {}
