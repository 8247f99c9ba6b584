import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, Matches } from 'class-validator';
import { parseBoolean, validateEnv } from './validate-env';

class RedisEnv {
  @Matches(/^rediss?:\/\/.+/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL: string = 'redis://127.0.0.1:6379';

  /** Every key this service writes starts with it, so that several installs can share a server. */
  @Matches(/^[A-Za-z0-9_.-]{1,64}$/, { message: 'must be 1-64 letters, digits, "_", "." or "-"' })
  REDIS_PREFIX: string = 'shop';

  /**
   * A failed Redis command's error carries the stack of the code that sent it (ioredis'
   * `showFriendlyErrorStack`): for finding such a failure's origin; it costs a stack per command.
   */
  @Transform(({ value }) => parseBoolean(value))
  @IsBoolean()
  REDIS_DEBUG_STACKS: boolean | string = false;
}

export interface RedisConfig {
  url: string;
  prefix: string;
  /** `REDIS_DEBUG_STACKS`. */
  debugStacks: boolean;
}

export function loadRedisConfig(source: NodeJS.ProcessEnv = process.env): RedisConfig {
  const raw = validateEnv(RedisEnv, source);
  return {
    url: raw.REDIS_URL,
    prefix: raw.REDIS_PREFIX,
    debugStacks: raw.REDIS_DEBUG_STACKS === true,
  };
}

export const redisConfig = registerAs('redis', () => loadRedisConfig());
