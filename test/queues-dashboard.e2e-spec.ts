import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Job } from 'bull';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { redisConfig } from '../src/config';
import { loadRedisConfig } from '../src/config/redis.config';
import { JOBS, QUEUES } from '../src/modules/queues/queue-names';
import { eventually, queueOf } from './support/jobs';
import { scrapeMetrics } from './support/metrics';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

/** Bull Board's own routes: its page, its JSON API, its static files. */
const BOARD_URLS = [
  '/admin/queues',
  '/admin/queues/',
  '/admin/queues/api/queues',
  '/admin/queues/queue/mail',
];

function cookieFrom(setCookie: string | string[] | undefined): string {
  const value = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (!value) throw new Error('no Set-Cookie');
  return value.split(';')[0];
}

describe('the queue dashboard and queue metrics', () => {
  // A key prefix of this suite's own, so that the queue counts below are exactly its jobs.
  const redis = { ...loadRedisConfig(), prefix: `${loadRedisConfig().prefix}-board` };
  let app: NestFastifyApplication;
  let admin: TestUser;
  let customer: TestUser;

  beforeAll(async () => {
    app = await createTestApp({ overrides: [[redisConfig.KEY, redis]] });
    admin = await createUser(app, 'admin');
    customer = await createUser(app, 'customer');
  });
  afterAll(async () => {
    for (const name of [QUEUES.mail, QUEUES.invoices]) {
      await queueOf(app, name).obliterate({ force: true });
    }
    await app.close();
  });

  describe('access', () => {
    it('serves the Bull Board page to an admin bearer token', async () => {
      const res = await app.inject({ method: 'GET', url: '/admin/queues', headers: admin.auth });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      const api = await app.inject({
        method: 'GET',
        url: '/admin/queues/api/queues',
        headers: admin.auth,
      });
      expect(api.statusCode).toBe(200);
      expect(
        api
          .json()
          .queues.map((q: { name: string }) => q.name)
          .sort(),
      ).toEqual(['invoices', 'mail', 'payments']);
    });

    it.each(BOARD_URLS)('answers 401 problem+json to an anonymous caller (%s)', async (url) => {
      const res = await app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 401 });
    });

    it.each(BOARD_URLS)('answers 403 problem+json to a customer (%s)', async (url) => {
      const res = await app.inject({ method: 'GET', url, headers: customer.auth });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });

    it('never serves the board under an encoded path', async () => {
      const res = await app.inject({ method: 'GET', url: '/admin/%71ueues/api/queues' });
      expect([401, 404]).toContain(res.statusCode);
      expect(res.body).not.toContain('"queues"');
    });

    it('refuses a bad token and a forged cookie with 401', async () => {
      const bad = await app.inject({
        method: 'GET',
        url: '/admin/queues/api/queues',
        headers: { authorization: 'Bearer not-a-token' },
      });
      expect(bad.statusCode).toBe(401);
      const forged = await app.inject({
        method: 'GET',
        url: '/admin/queues/api/queues',
        headers: { cookie: `queue_dashboard=${admin.accessToken}` },
      });
      expect(forged.statusCode).toBe(401);
    });

    it('opens a cookie session for an admin token or password, and refuses others', async () => {
      const byToken = await app.inject({
        method: 'POST',
        url: '/admin/queues/login',
        payload: { accessToken: admin.accessToken },
      });
      expect(byToken.statusCode).toBe(204);
      const setCookie = String(byToken.headers['set-cookie']);
      expect(setCookie).toMatch(
        /^queue_dashboard=[\w.-]+; Path=\/admin\/queues; Max-Age=900; HttpOnly; SameSite=Strict$/,
      );
      const cookie = cookieFrom(byToken.headers['set-cookie']);

      const page = await app.inject({
        method: 'GET',
        url: '/admin/queues/api/queues',
        headers: { cookie },
      });
      expect(page.statusCode).toBe(200);
      // The session is for the dashboard only: it is no API access token.
      const sessionToken = cookie.split('=')[1];
      const api = await app.inject({
        method: 'GET',
        url: '/api/v1/users/me',
        headers: { authorization: `Bearer ${sessionToken}` },
      });
      expect(api.statusCode).toBe(401);

      const byPassword = await app.inject({
        method: 'POST',
        url: '/admin/queues/login',
        payload: { email: admin.email, password: admin.password },
      });
      expect(byPassword.statusCode).toBe(204);
      expect(cookieFrom(byPassword.headers['set-cookie'])).toMatch(/^queue_dashboard=/);

      const asCustomer = await app.inject({
        method: 'POST',
        url: '/admin/queues/login',
        payload: { email: customer.email, password: customer.password },
      });
      // The same 401 as a wrong password: the sign-in does not tell who is an admin.
      expect(asCustomer.statusCode).toBe(401);
      expect(asCustomer.headers['set-cookie']).toBeUndefined();
      const wrongPassword = await app.inject({
        method: 'POST',
        url: '/admin/queues/login',
        payload: { email: admin.email, password: 'not the password' },
      });
      expect(wrongPassword.statusCode).toBe(401);
      const empty = await app.inject({ method: 'POST', url: '/admin/queues/login', payload: {} });
      expect(empty.statusCode).toBe(400);
      expect(empty.headers['content-type']).toContain('application/problem+json');

      const logout = await app.inject({
        method: 'POST',
        url: '/admin/queues/logout',
        headers: { cookie },
      });
      expect(logout.statusCode).toBe(204);
      expect(String(logout.headers['set-cookie'])).toMatch(
        /^queue_dashboard=; Path=\/admin\/queues; Max-Age=0/,
      );
    });

    it('closes the session of an admin who loses the role', async () => {
      const demoted = await createUser(app, 'admin');
      const login = await app.inject({
        method: 'POST',
        url: '/admin/queues/login',
        payload: { accessToken: demoted.accessToken },
      });
      const cookie = cookieFrom(login.headers['set-cookie']);
      await app
        .get(DataSource)
        .query(`UPDATE users SET roles = '{customer}' WHERE id = $1`, [demoted.id]);
      const res = await app.inject({
        method: 'GET',
        url: '/admin/queues/api/queues',
        headers: { cookie },
      });
      expect(res.statusCode).toBe(403);
    });
  });

  describe('metrics', () => {
    const metric = (text: string, name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

    it('reports queue depth by state, jobs completed and failed, and the outbox backlog', async () => {
      const mail = queueOf(app, QUEUES.mail);
      const invoices = queueOf(app, QUEUES.invoices);
      // A real Bull worker in this process: it sends order confirmations and fails verifications.
      void mail.process('*', 1, (job: Job) =>
        job.name === JOBS.mail.verifyEmail
          ? Promise.reject(new Error('mailbox unavailable'))
          : Promise.resolve('sent'),
      );
      await mail.add(JOBS.mail.orderConfirmation, { orderId: randomUUID() }, { attempts: 1 });
      await mail.add(JOBS.mail.orderConfirmation, { orderId: randomUUID() }, { attempts: 1 });
      await mail.add(JOBS.mail.verifyEmail, { userId: randomUUID(), token: 'x' }, { attempts: 1 });
      await invoices.add(JOBS.invoices.invoice, { orderId: randomUUID() });
      await invoices.add(JOBS.invoices.invoice, { orderId: randomUUID() }, { delay: 3_600_000 });
      // Committed rows that no relay takes (no such queue in the contract, e.g. one retired):
      // they stay in the backlog whatever relays other suites run.
      await app.get(DataSource).query(
        `INSERT INTO outbox (queue, name, job_id, payload)
         SELECT 'retired', 'job', 'retired.' || gen_random_uuid(), '{}'::jsonb FROM generate_series(1, 2)`,
      );

      const text = await eventually(
        async () => {
          const body = await scrapeMetrics(app);
          return metric(
            body,
            'queue_jobs_completed_total',
            'queue="mail",name="order-confirmation"',
          ) === 2 &&
            metric(body, 'queue_jobs_failed_total', 'queue="mail",name="verify-email"') === 1
            ? body
            : undefined;
        },
        { what: 'the job counters on /metrics' },
      );
      expect(metric(text, 'queue_jobs', 'queue="invoices",state="waiting"')).toBe(1);
      expect(metric(text, 'queue_jobs', 'queue="invoices",state="delayed"')).toBe(1);
      expect(metric(text, 'queue_jobs', 'queue="mail",state="failed"')).toBe(1);
      expect(metric(text, 'queue_jobs', 'queue="mail",state="waiting"')).toBe(0);
      expect(metric(text, 'queue_jobs', 'queue="mail",state="active"')).toBe(0);
      expect(Number(/^outbox_backlog (\S+)$/m.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    });
  });
});
