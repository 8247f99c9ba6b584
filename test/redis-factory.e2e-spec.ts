import { loadRedisConfig } from '../src/config/redis.config';
import { RedisFactory } from '../src/redis/redis.factory';

/**
 * `REDIS_DEBUG_STACKS`: a failed command's error names the code that sent it (this file), so
 * that a rejection nobody handled can be traced to its sender; off, it names ioredis alone.
 */
describe('Redis connections with REDIS_DEBUG_STACKS', () => {
  /** The stack of the error of a command the server refuses, sent through the factory. */
  async function stackOfFailedCommand(debugStacks: boolean): Promise<string> {
    const factory = new RedisFactory({ ...loadRedisConfig(), debugStacks });
    try {
      const redis = factory.create('debug-stacks-probe');
      const error = await redis.call('NO_SUCH_COMMAND').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/unknown command/i);
      return error!.stack ?? '';
    } finally {
      await factory.onApplicationShutdown();
    }
  }

  it('names the sending code in the error when on', async () => {
    expect(await stackOfFailedCommand(true)).toContain('redis-factory.e2e-spec');
  });

  it('leaves the stack to ioredis when off (the default)', async () => {
    expect(loadRedisConfig({}).debugStacks).toBe(false);
    expect(await stackOfFailedCommand(false)).not.toContain('redis-factory.e2e-spec');
  });
});
