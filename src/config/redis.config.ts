import { registerAs } from '@nestjs/config';
import { Matches } from 'class-validator';
import { validateEnv } from './validate-env';

class RedisEnv {
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Every key this service writes starts with it, so that several installs can share a server. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, "_", "." or "-"' })
  REDIS_PREFIX: string = 'shop';
}

export interface RedisConfig {
  url: string;
  prefix: string;
}

export function loadRedisConfig(source: NodeJS.ProcessEnv = process.env): RedisConfig {
  const raw = validateEnv(RedisEnv, source);
  return { url: raw.REDIS_URL, prefix: raw.REDIS_PREFIX };
}

export const redisConfig = registerAs('redis', () => loadRedisConfig());
