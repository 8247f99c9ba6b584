import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { redisConfig } from '../../src/config';
import { loadRedisConfig } from '../../src/config/redis.config';
import { TcpProxy } from './tcp-proxy';
import { createTestApp } from './test-app';

/** The app with its Redis connections through a proxy the test can cut and restore. */
export async function createAppBehindRedisProxy(): Promise<{
  app: NestFastifyApplication;
  proxy: TcpProxy;
}> {
  const redis = loadRedisConfig();
  const target = new URL(redis.url);
  const proxy = await new TcpProxy(target.hostname, Number(target.port || 6379)).start();
  const url = new URL(redis.url);
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const app = await createTestApp({
    overrides: [[redisConfig.KEY, { ...redis, url: url.toString() }]],
  });
  return { app, proxy };
}
