import {
  applyDecorators,
  ExecutionContext,
  Injectable,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { ApiServiceUnavailableResponse, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import {
  SkipThrottle,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { THROTTLER_KEY_GENERATOR } from '@nestjs/throttler/dist/throttler.constants';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { createHash } from 'node:crypto';
import type { Actor } from '../decorators/current-user.decorator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServiceUnavailableError, TooManyRequestsError } from '../errors/domain-errors';
import type { AuthConfig } from '../../config';
import type { RedisFactory } from '../../redis/redis.factory';

const WINDOW_MS = 60_000;

/**
 * Counts per e-mail: the one in the body (login, forgot), else the signed-in user's (password
 * change, account deletion), so that one account is not hammered from many IPs.
 */
function emailTracker(request: FastifyRequest): string {
  const fromBody = (request.body as { email?: unknown } | undefined)?.email;
  const email = typeof fromBody === 'string' ? fromBody : (request as { user?: Actor }).user?.email;
  return typeof email === 'string' ? `email:${email.trim().toLowerCase()}` : `ip:${request.ip}`;
}

/** Throttler names (`ip`, `email`) whose counters the password routes share. */
const THROTTLER_NAMES = ['ip', 'email'] as const;

/** One counter per throttler and client for every route that checks a password. */
const passwordGuessKey = (_context: ExecutionContext, tracker: string, name: string) =>
  `password-guess-${name}-${createHash('sha256').update(tracker).digest('hex')}`;

/**
 * Fails closed: while Redis cannot count, the limited routes answer 503 instead of running
 * unlimited (or failing with a 500).
 */
class FailClosedStorage implements ThrottlerStorage {
  constructor(private readonly inner: ThrottlerStorage) {}

  async increment(
    ...args: Parameters<ThrottlerStorage['increment']>
  ): Promise<ThrottlerStorageRecord> {
    try {
      return await this.inner.increment(...args);
    } catch {
      throw new ServiceUnavailableError(
        'Sign-in is briefly unavailable (rate-limit store unreachable); try again shortly.',
      );
    }
  }
}

/**
 * Two named throttlers, both at `AUTH_RATE_LIMIT` per minute: `ip` (every limited route) and
 * `email` (login and forgot). Counters live in Redis so that every API instance shares them.
 */
export function authThrottlerOptions(
  config: AuthConfig,
  redisFactory: RedisFactory,
): ThrottlerModuleOptions {
  return {
    throttlers: [
      { name: 'ip', ttl: WINDOW_MS, limit: config.rateLimitPerMinute },
      {
        name: 'email',
        ttl: WINDOW_MS,
        limit: config.rateLimitPerMinute,
        getTracker: (request) => emailTracker(request as FastifyRequest),
      },
    ],
    storage: new FailClosedStorage(
      new ThrottlerStorageRedisService(redisFactory.create('throttler')),
    ),
  };
}

/** The throttler guard, answering 429 as a problem document with `Retry-After` (seconds). */
@Injectable()
export class AuthThrottlerGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', String(seconds));
    throw new TooManyRequestsError(`Too many attempts; try again in ${seconds} seconds.`, seconds);
  }
}

/**
 * The password-guess budget: every route that checks a password (login, dashboard login,
 * password change, account deletion) counts against ONE budget of `AUTH_RATE_LIMIT` per minute
 * per e-mail and ONE per IP, so that spreading guesses over routes gains nothing.
 */
export function PasswordGuessLimit() {
  return applyDecorators(
    UseGuards(AuthThrottlerGuard),
    ...THROTTLER_NAMES.map((name) => SetMetadata(THROTTLER_KEY_GENERATOR + name, passwordGuessKey)),
    ApiTooManyRequestsResponse({
      description:
        'Rate limited: AUTH_RATE_LIMIT password checks per minute per IP and per e-mail, shared by every route that checks a password',
      headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
    }),
    ApiServiceUnavailableResponse({ description: 'The rate-limit store (Redis) is unreachable' }),
  );
}

/** Rate-limits a route per IP and, with `perEmail`, per e-mail in the body too. */
export function AuthRateLimit(options: { perEmail: boolean }) {
  return applyDecorators(
    UseGuards(AuthThrottlerGuard),
    ...(options.perEmail ? [] : [SkipThrottle({ email: true })]),
    ApiTooManyRequestsResponse({
      description: `Rate limited (AUTH_RATE_LIMIT per minute per IP${options.perEmail ? ' and per e-mail' : ''})`,
      headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
    }),
    ApiServiceUnavailableResponse({ description: 'The rate-limit store (Redis) is unreachable' }),
  );
}
