import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import IORedis from 'ioredis';
import { appConfig, metricsConfig } from '../src/config';
import { loadAppConfig } from '../src/config/app.config';
import { loadMetricsConfig } from '../src/config/metrics.config';
import { MetricsServer } from '../src/modules/metrics/metrics-server';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

describe('operations: metrics, caching, docs, dashboard sign-in', () => {
  let app: NestFastifyApplication;
  let customer: TestUser;

  beforeAll(async () => {
    app = await createTestApp();
    customer = await createUser(app);
  });
  afterAll(() => app.close());

  describe('/metrics', () => {
    it('is not served on the API port without METRICS_TOKEN', async () => {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('process_cpu_seconds_total');
    });

    it('is served on its own port, bound to METRICS_HOST', async () => {
      const server = app.get(MetricsServer);
      const address = server.address();
      expect(address?.address).toBe('127.0.0.1');
      const res = await fetch(`http://127.0.0.1:${address!.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      expect(await res.text()).toContain('process_cpu_seconds_total');
    });
  });

  describe('Cache-Control: no-store on personal answers', () => {
    it.each(['/api/v1/users/me', '/api/v1/cart', '/api/v1/orders', '/api/v1/auth/login'])(
      '%s',
      async (url) => {
        const res = await app.inject({
          method: url.endsWith('login') ? 'POST' : 'GET',
          url,
          headers: customer.auth,
          ...(url.endsWith('login')
            ? { payload: { email: customer.email, password: customer.password } }
            : {}),
        });
        expect(res.statusCode).toBeLessThan(300);
        expect(res.headers['cache-control']).toBe('no-store');
      },
    );

    it('an admin route and an error answer', async () => {
      const admin = await createUser(app, 'admin');
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/admin/users',
        headers: admin.auth,
      });
      expect(res.headers['cache-control']).toBe('no-store');
      const refused = await app.inject({
        method: 'GET',
        url: '/api/v1/admin/users',
        headers: customer.auth,
      });
      expect(refused.headers['cache-control']).toBe('no-store');
    });
  });

  describe('Swagger UI', () => {
    it('keeps bearer tokens out of localStorage in production', async () => {
      const { swaggerUiOptions } = await import('../src/swagger');
      expect(swaggerUiOptions('production').persistAuthorization).toBe(false);
      expect(swaggerUiOptions('development').persistAuthorization).toBe(true);
    });
  });

  describe('queue dashboard sign-in', () => {
    it('answers the same 401 for a wrong password and for a user who is not an admin', async () => {
      const wrong = await app.inject({
        method: 'POST',
        url: '/admin/queues/login',
        payload: { email: customer.email, password: 'not the password' },
      });
      const notAdmin = await app.inject({
        method: 'POST',
        url: '/admin/queues/login',
        payload: { email: customer.email, password: customer.password },
      });
      expect(notAdmin.statusCode).toBe(401);
      expect(notAdmin.json()).toEqual({ ...wrong.json(), requestId: notAdmin.json().requestId });
    });
  });

  describe('POST /auth/password/forgot', () => {
    /** The SQL statements and Redis commands one request causes, in order. */
    async function trace(email: string): Promise<{ sql: string[]; redis: string[] }> {
      // The outbox wakes its relays after a commit, maybe after the answer: the trace starts
      // when the wake-ups of earlier requests have gone out, and ends when this one's has.
      const outbox = app.get(OutboxService);
      await outbox.wakeUpsSent();
      // Spies call through: the real statements and commands run, and are recorded.
      const sqlSpy = jest.spyOn(Client.prototype, 'query');
      const redisSpy = jest.spyOn(IORedis.prototype, 'sendCommand');
      try {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/password/forgot',
          payload: { email },
          remoteAddress: '10.91.0.1',
        });
        expect(res.statusCode).toBe(202);
        await outbox.wakeUpsSent();
        const first = (call: unknown[]) => call[0] as string | { text?: string; name?: string };
        return {
          sql: sqlSpy.mock.calls.map((call) => {
            const q = first(call);
            return typeof q === 'string' ? q : (q.name ?? q.text ?? '?');
          }),
          redis: redisSpy.mock.calls.map(([command]) => command.name),
        };
      } finally {
        sqlSpy.mockRestore();
        redisSpy.mockRestore();
      }
    }

    it('does the same database and Redis work whether or not the account exists', async () => {
      const existing = await createUser(app);
      // Warm-up: first-use statements (prepared names, connections) do not count.
      await trace(existing.email);
      await trace('nobody-warm@example.com');
      for (let i = 0; i < 5; i++) {
        const known = await trace(existing.email);
        const unknown = await trace(`nobody-${i}@example.com`);
        expect(unknown).toEqual(known);
      }
    });
  });

  // Last: a second app in the process replaces the passport strategies of the first.
  describe('other settings (an app of their own each)', () => {
    it('can be switched off with DOCS_ENABLED=false', async () => {
      const off = await createTestApp({
        overrides: [[appConfig.KEY, { ...loadAppConfig(), docsEnabled: false }]],
      });
      try {
        expect((await off.inject({ method: 'GET', url: '/docs' })).statusCode).toBe(404);
        expect((await off.inject({ method: 'GET', url: '/docs-json' })).statusCode).toBe(404);
      } finally {
        await off.close();
      }
    });

    describe('with METRICS_TOKEN', () => {
      let tokened: NestFastifyApplication;
      beforeAll(async () => {
        tokened = await createTestApp({
          overrides: [
            [
              metricsConfig.KEY,
              { ...loadMetricsConfig(), token: 'a-metrics-token-of-32-characters!' },
            ],
          ],
        });
      });
      afterAll(() => tokened.close());

      it('answers the bearer token only', async () => {
        const anonymous = await tokened.inject({ method: 'GET', url: '/metrics' });
        expect(anonymous.statusCode).toBe(401);
        expect(anonymous.headers['content-type']).toContain('application/problem+json');
        const wrong = await tokened.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: 'Bearer a-metrics-token-of-32-characters?' },
        });
        expect(wrong.statusCode).toBe(401);
        const right = await tokened.inject({
          method: 'GET',
          url: '/metrics',
          headers: { authorization: 'Bearer a-metrics-token-of-32-characters!' },
        });
        expect(right.statusCode).toBe(200);
        expect(right.body).toContain('process_cpu_seconds_total');
      });
    });
  });
});
