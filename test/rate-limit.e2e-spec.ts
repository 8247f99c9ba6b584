import { NestFastifyApplication } from '@nestjs/platform-fastify';
import IORedis from 'ioredis';
import { authConfig } from '../src/config';
import { loadAuthConfig } from '../src/config/auth.config';
import { REDIS, Redis } from '../src/redis/redis.module';
import { createAppBehindRedisProxy } from './support/redis-proxy';
import type { TcpProxy } from './support/tcp-proxy';
import { createTestApp } from './support/test-app';
import { TokenService } from '../src/modules/auth/token.service';
import { UsersService } from '../src/modules/users/users.service';
import { uniqueEmail } from './support/users';

const LIMIT = 3;
let ipCounter = 0;
/** A fresh client address per test, so that counters from other tests do not interfere. */
const freshIp = () => `10.77.${Math.floor(++ipCounter / 250)}.${(ipCounter % 250) + 1}`;

describe('rate limits on the auth routes', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({
      overrides: [[authConfig.KEY, { ...loadAuthConfig(), rateLimitPerMinute: LIMIT }]],
    });
  });
  afterAll(() => app.close());

  /** A user made without the (rate-limited) login route. */
  async function makeUser() {
    const email = uniqueEmail('rl');
    const password = 'a fine long passphrase';
    const { user } = await app
      .get(UsersService)
      .createOrGrant({ email, password, name: 'R', role: 'customer' });
    const { accessToken } = await app.get(TokenService).issue(user);
    return { email, password, auth: { authorization: `Bearer ${accessToken}` } };
  }

  const post = (url: string, payload: object, ip: string) =>
    app.inject({ method: 'POST', url: `/api/v1${url}`, payload, remoteAddress: ip });

  async function exhaust(url: string, payload: () => object, ip: () => string) {
    for (let i = 0; i < LIMIT; i++) {
      const res = await post(url, payload(), ip());
      expect(res.statusCode).not.toBe(429);
    }
    return post(url, payload(), ip());
  }

  function expect429(res: Awaited<ReturnType<typeof post>>) {
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(res.json()).toMatchObject({ status: 429, type: '/problems/too-many-requests' });
  }

  it('limits login per IP', async () => {
    const ip = freshIp();
    const res = await exhaust(
      '/auth/login',
      () => ({ email: uniqueEmail('rl'), password: 'wrong password' }),
      () => ip,
    );
    expect429(res);
    // Another client is not affected.
    const other = await post('/auth/login', { email: uniqueEmail('rl'), password: 'x' }, freshIp());
    expect(other.statusCode).toBe(401);
  });

  it('limits login per e-mail across IPs, before checking the password', async () => {
    const user = await makeUser();
    const res = await exhaust(
      '/auth/login',
      () => ({ email: user.email, password: 'wrong password' }),
      freshIp,
    );
    expect429(res);
    // Even the right password is refused while the e-mail is limited.
    const right = await post(
      '/auth/login',
      { email: user.email.toUpperCase(), password: user.password },
      freshIp(),
    );
    expect(right.statusCode).toBe(429);
  });

  describe('one password-guess budget for every route that checks a password', () => {
    const guess = (user: Awaited<ReturnType<typeof makeUser>>, route: number, ip: string) => {
      const wrong = 'a wrong password guess';
      const routes = [
        () => post('/auth/login', { email: user.email, password: wrong }, ip),
        () =>
          app.inject({
            method: 'POST',
            url: '/admin/queues/login',
            payload: { email: user.email, password: wrong },
            remoteAddress: ip,
          }),
        () =>
          app.inject({
            method: 'PUT',
            url: '/api/v1/users/me/password',
            headers: user.auth,
            payload: { currentPassword: wrong, newPassword: 'a brand new passphrase' },
            remoteAddress: ip,
          }),
        () =>
          app.inject({
            method: 'DELETE',
            url: '/api/v1/users/me',
            headers: user.auth,
            payload: { password: wrong },
            remoteAddress: ip,
          }),
      ];
      return routes[route % routes.length]();
    };

    it('per e-mail: guesses on any of them count against the others', async () => {
      const user = await makeUser();
      for (let i = 0; i < LIMIT; i++) {
        expect((await guess(user, i, freshIp())).statusCode).not.toBe(429);
      }
      for (let route = 0; route < 4; route++) expect429(await guess(user, route, freshIp()));
    });

    it('per IP: one client guessing different accounts through different routes', async () => {
      const ip = freshIp();
      for (let i = 0; i < LIMIT; i++) {
        expect((await guess(await makeUser(), i + 1, ip)).statusCode).not.toBe(429);
      }
      expect429(await guess(await makeUser(), 0, ip));
    });
  });

  it('limits forgot per IP and per e-mail', async () => {
    const ip = freshIp();
    expect429(
      await exhaust(
        '/auth/password/forgot',
        () => ({ email: uniqueEmail('rl') }),
        () => ip,
      ),
    );
    const email = uniqueEmail('rl');
    expect429(await exhaust('/auth/password/forgot', () => ({ email }), freshIp));
  });

  it('limits register and reset per IP', async () => {
    const ip = freshIp();
    expect429(
      await exhaust(
        '/auth/register',
        () => ({ email: uniqueEmail('rl'), password: 'a fine long passphrase', name: 'R' }),
        () => ip,
      ),
    );
    expect429(
      await exhaust(
        '/auth/password/reset',
        () => ({ token: 'x'.repeat(43), password: 'a fine long passphrase' }),
        () => ip,
      ),
    );
  });

  it('keeps its counters in Redis under the prefix', async () => {
    const redis = app.get<Redis>(REDIS);
    const prefix = `${process.env.REDIS_PREFIX}:`;
    const [, keys] = await redis.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000);
    expect(keys.length).toBeGreaterThan(0);
    const raw = new IORedis(process.env.REDIS_URL!);
    try {
      const [, unprefixed] = await raw.scan('0', 'MATCH', '*-ip-*', 'COUNT', 10_000);
      expect(unprefixed.filter((k) => !k.startsWith(prefix)).length).toBe(0);
    } finally {
      raw.disconnect();
    }
  });

  it('does not limit other routes', async () => {
    const user = await makeUser();
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });
      expect(res.statusCode).toBe(200);
    }
  });
});

describe('rate limits while Redis is unreachable', () => {
  let proxy: TcpProxy;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ app, proxy } = await createAppBehindRedisProxy());
  });
  afterAll(async () => {
    await app.close();
    await proxy.stop();
  });

  it('answers 503 (fails closed), not 500, and recovers when Redis returns', async () => {
    const login = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: uniqueEmail('down'), password: 'some password' },
        remoteAddress: '10.78.0.1',
      });
    expect((await login()).statusCode).toBe(401);
    await proxy.cut();
    const down = await login();
    expect(down.statusCode).toBe(503);
    expect(down.headers['content-type']).toContain('application/problem+json');
    await proxy.restore();
    let back = await login();
    for (let i = 0; i < 40 && back.statusCode !== 401; i++) {
      await new Promise((r) => setTimeout(r, 250));
      back = await login();
    }
    expect(back.statusCode).toBe(401);
  });
});
