import Redis from 'ioredis';
import { Client } from 'pg';
import { loadDatabaseConfig } from './config/database.config';
import { loadRedisConfig } from './config/redis.config';

/**
 * The worker's container healthcheck (`node dist/worker-health.js`): a worker has no HTTP, so
 * this checks what it cannot work without, PostgreSQL and Redis, and exits 0 or 1.
 */
async function main(): Promise<void> {
  const db = new Client({
    connectionString: loadDatabaseConfig().url,
    connectionTimeoutMillis: 3000,
  });
  const redis = new Redis(loadRedisConfig().url, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
  });
  try {
    await db.connect();
    await db.query('SELECT 1');
    await redis.connect();
    await redis.ping();
  } finally {
    await db.end().catch(() => undefined);
    redis.disconnect();
  }
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`worker unhealthy: ${error.message}\n`);
    process.exit(1);
  },
);
