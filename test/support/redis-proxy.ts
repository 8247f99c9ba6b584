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
  const proxy = await TcpProxy.inFrontOf(redis.url, 6379);
  const app = await createTestApp({
    overrides: [[redisConfig.KEY, { ...redis, url: proxy.through(redis.url) }]],
  });
  return { app, proxy };
}
