import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { databaseConfig, redisConfig } from '../../src/config';
import { loadDatabaseConfig } from '../../src/config/database.config';
import { loadRedisConfig } from '../../src/config/redis.config';
import { TcpProxy } from './tcp-proxy';
import { createTestApp } from './test-app';

/** `url` with its host and port replaced by the proxy's. */
export function through(proxy: TcpProxy, url: string): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}

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
  const dbUrl = new URL(db.url);
  const redisUrl = new URL(redis.url);
  const dbProxy = await new TcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432)).start();
  const redisProxy = await new TcpProxy(redisUrl.hostname, Number(redisUrl.port || 6379)).start();
  const app = await createTestApp({
    overrides: [
      [databaseConfig.KEY, { ...db, url: through(dbProxy, db.url) }],
      [redisConfig.KEY, { ...redis, url: through(redisProxy, redis.url) }],
    ],
  });
  return { app, dbProxy, redisProxy };
}
