import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { cpuSnapshot, cpuUsed, redisUsageOf } from '../bench/harness';
import { loadRedisConfig } from '../src/config/redis.config';

/**
 * The bench's per-request costs (bench/README.md's capacity model): between two snapshots, the
 * Redis server's commands are those the clients sent, and no more.
 */
describe("the bench's resource snapshots", () => {
  const redisUrl = loadRedisConfig().url;

  it('count the Redis commands run between them, and the CPU Redis spent on them', async () => {
    const redis = new Redis(redisUrl);
    const key = `bench-usage-probe:${randomUUID()}`;
    try {
      await redis.ping(); // connected (and its ready check done) before the first snapshot
      const before = await cpuSnapshot(process.env.DATABASE_URL!, process.pid, redisUrl);
      for (let i = 0; i < 2000; i++) await redis.hset(key, `field-${i}`, i);
      await redis.del(key);
      const used = cpuUsed(
        before,
        await cpuSnapshot(process.env.DATABASE_URL!, process.pid, redisUrl),
      );

      expect(used.redisCommands).toBe(2001);
      expect(used.redisMs).toBeGreaterThan(0);
      expect(used.apiMs).toBeGreaterThan(0); // this process, which sent them
    } finally {
      redis.disconnect();
    }
  });

  it('refuse an INFO reply that lacks a figure rather than report a wrong one', () => {
    const info = '# Stats\r\ntotal_commands_processed:42\r\n# CPU\r\nused_cpu_sys:0.5\r\n';
    expect(() => redisUsageOf(info)).toThrow('INFO gave no used_cpu_user');
    expect(redisUsageOf(`${info}used_cpu_user:1.25\r\n`)).toEqual({
      cpuMs: 1750,
      commands: 42,
    });
  });
});
