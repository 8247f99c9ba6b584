import Redis from 'ioredis';
import { rmSync } from 'node:fs';
import { loadDatabaseConfig } from '../../src/config/database.config';
import { loadRedisConfig } from '../../src/config/redis.config';
import { dropDatabase } from '../../src/database/ensure-database';

/**
 * Drops the run's database, deletes its Redis keys and its scratch folder. The run's keys are
 * all that start with its prefix: suites give their own processes `<prefix>:name`, or, through
 * REDIS_PREFIX (no ':' allowed there), `<prefix>_name` / `<prefix>-name`. Fails the run when
 * keys are still there after the deletion (a process of the run outlived its suite).
 */
export default async function globalTeardown(): Promise<void> {
  await dropDatabase(loadDatabaseConfig());
  const { url, prefix } = loadRedisConfig();
  // The run's prefix is generated (test-env.ts); anything else may be a real install's keys.
  if (!prefix.startsWith('shoptest_')) throw new Error(`Not a test run's prefix: ${prefix}`);
  const redis = new Redis(url);
  let left: string[];
  try {
    await forEachKeyBatch(redis, `${prefix}*`, (keys) => redis.del(...keys));
    left = [];
    await forEachKeyBatch(redis, `${prefix}*`, (keys) => left.push(...keys));
  } finally {
    redis.disconnect();
  }
  if (process.env.TEST_SCRATCH_DIR) {
    rmSync(process.env.TEST_SCRATCH_DIR, { recursive: true, force: true });
  }
  if (left.length) {
    throw new Error(
      `The test run left ${left.length} Redis key(s) under ${prefix}* after its teardown ` +
        `deleted them (a process still writing?): ${left.slice(0, 10).join(', ')}`,
    );
  }
}

async function forEachKeyBatch(
  redis: Redis,
  pattern: string,
  take: (keys: string[]) => unknown,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length) await take(keys);
    cursor = next;
  } while (cursor !== '0');
}
