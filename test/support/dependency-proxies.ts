import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { databaseConfig, redisConfig } from '../../src/config';
import { loadDatabaseConfig } from '../../src/config/database.config';
import { loadRedisConfig } from '../../src/config/redis.config';
import { TcpProxy } from './tcp-proxy';
import { createTestApp } from './test-app';

/**
 * The app with PostgreSQL and Redis each behind a TCP proxy the test can cut and restore
 * (never the shared servers themselves).
 */
export async function createAppBehindProxies(): Promise<{
  app: NestFastifyApplication;
  dbProxy: TcpProxy;
  redisProxy: TcpProxy;
}> {
  const db = loadDatabaseConfig();
  const redis = loadRedisConfig();
  const dbProxy = await TcpProxy.inFrontOf(db.url, 5432);
  const redisProxy = await TcpProxy.inFrontOf(redis.url, 6379);
  const app = await createTestApp({
    overrides: [
      [databaseConfig.KEY, { ...db, url: dbProxy.through(db.url) }],
      [redisConfig.KEY, { ...redis, url: redisProxy.through(redis.url) }],
    ],
  });
  return { app, dbProxy, redisProxy };
}
