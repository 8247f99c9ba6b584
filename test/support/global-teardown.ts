import Redis from 'ioredis';
import { rmSync } from 'node:fs';
import { loadDatabaseConfig } from '../../src/config/database.config';
import { loadRedisConfig } from '../../src/config/redis.config';
import { dropDatabase } from '../../src/database/ensure-database';

/** Drops the run's database, deletes its Redis keys and its scratch folder. */
export default async function globalTeardown(): Promise<void> {
  await dropDatabase(loadDatabaseConfig());
  const { url, prefix } = loadRedisConfig();
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  if (process.env.TEST_SCRATCH_DIR) {
    rmSync(process.env.TEST_SCRATCH_DIR, { recursive: true, force: true });
  }
}
