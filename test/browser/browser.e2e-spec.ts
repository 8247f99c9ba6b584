import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Job } from 'bull';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { redisConfig } from '../../src/config';
import { loadRedisConfig } from '../../src/config/redis.config';
import { DEMO_ACCOUNTS } from '../../src/modules/users/demo-accounts';
import { JOBS, QUEUES } from '../../src/modules/queues/queue-names';
import { UsersService } from '../../src/modules/users/users.service';
import { browserAvailable, launchBrowser } from '../support/browser';
import { createMerchant, createProduct } from '../support/catalog';
import { eventually, queueOf } from '../support/jobs';
import { createTestApp } from '../support/test-app';
import { createUser, TestUser } from '../support/users';

const demo = (role: 'admin' | 'customer') => DEMO_ACCOUNTS.find((a) => a.role === role)!;

/** Real Chromium against the API listening on a free loopback port. */
(browserAvailable() ? describe : describe.skip)('in a real browser', () => {
  const redis = { ...loadRedisConfig(), prefix: `${loadRedisConfig().prefix}-browser` };
  let app: NestFastifyApplication;
  let base: string;
  let browser: Browser;
  let variantId: string;

  beforeAll(async () => {
    app = await createTestApp({ overrides: [[redisConfig.KEY, redis]] });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
    for (const role of ['admin', 'customer'] as const) {
      await app.get(UsersService).createOrGrant({ ...demo(role) });
    }
    const merchant = await createMerchant(app);
    variantId = (await createProduct(app, merchant)).variants[0].id;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    for (const name of [QUEUES.mail, QUEUES.invoices]) {
      await queueOf(app, name).obliterate({ force: true });
    }
    await app?.close();
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    return context.newPage();
  }

  describe('Swagger UI at /docs', () => {
    /** Opens an operation, "Try it out", optionally replaces the body, "Execute". */
    async function tryItOut(page: Page, id: string, body?: object) {
      const operation = page.locator(`#operations-${id}`);
      await operation.locator('.opblock-summary').first().click();
      await operation.getByRole('button', { name: 'Try it out' }).click();
      if (body) await operation.locator('textarea.body-param__text').fill(JSON.stringify(body));
      await operation.getByRole('button', { name: 'Execute' }).click();
      const live = operation
        .locator('.live-responses-table tr.response .response-col_status')
        .first();
      await live.waitFor();
      return {
        status: Number((await live.textContent())?.trim()),
        body: async () =>
          (await operation.locator('.live-responses-table .microlight').first().textContent()) ??
          '',
      };
    }

    it('adds to the cart as a guest, signs in, authorizes with the token and reads the profile', async () => {
      const page = await newPage();
      await page.goto(`${base}/docs`);

      const add = await tryItOut(page, 'cart-addCartItem', { variantId, quantity: 1 });
      expect(add.status).toBe(200);
      expect(JSON.parse(await add.body())).toMatchObject({ items: [{ variantId, quantity: 1 }] });

      const customer = demo('customer');
      const login = await tryItOut(page, 'auth-login', {
        email: customer.email,
        password: customer.password,
      });
      expect(login.status).toBe(200);
      const { accessToken } = JSON.parse(await login.body()) as { accessToken: string };

      await page.getByRole('button', { name: 'Authorize' }).first().click();
      const dialog = page.locator('.dialog-ux');
      await dialog.locator('input').first().fill(accessToken);
      await dialog.locator('button.authorize').click();
      await dialog.locator('button.btn-done').click();

      const me = await tryItOut(page, 'users-getMyProfile');
      expect(me.status).toBe(200);
      expect(JSON.parse(await me.body())).toMatchObject({ email: customer.email });
      await page.context().close();
    });
  });

  describe('the queue dashboard at /admin/queues', () => {
    let customer: TestUser;

    beforeAll(async () => {
      customer = await createUser(app);
      const mail = queueOf(app, QUEUES.mail);
      void mail.process('*', 1, (job: Job) =>
        Promise.reject(new Error(`mailbox unavailable for job ${String(job.id)}`)),
      );
      const job = await mail.add(
        JOBS.mail.verifyEmail,
        { userId: randomUUID(), token: 'x' },
        { attempts: 1 },
      );
      await eventually(async () => ((await job.getState()) === 'failed' ? true : undefined), {
        what: 'the failed job',
      });
    });

    async function signIn(page: Page, email: string, password: string) {
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }

    it('lets an admin sign in from the browser and shows both queues and a failed job’s error', async () => {
      const page = await newPage();
      const first = await page.goto(`${base}/admin/queues`);
      expect(first?.status()).toBe(401);
      await expect(page.getByRole('heading', { name: 'Shop queues' }).isVisible()).resolves.toBe(
        true,
      );

      await signIn(page, demo('admin').email, demo('admin').password);
      await page.getByText(QUEUES.invoices, { exact: true }).first().waitFor();
      await page.getByText(QUEUES.mail, { exact: true }).first().waitFor();

      await page.goto(`${base}/admin/queues/queue/${QUEUES.mail}?status=failed`);
      await page
        .getByText(/mailbox unavailable for job/)
        .first()
        .waitFor();
      await page.context().close();
    });

    it('refuses a customer', async () => {
      const page = await newPage();
      await page.goto(`${base}/admin/queues`);
      await signIn(page, customer.email, customer.password);
      await page.getByText('This account is not an admin.').waitFor();
      const again = await page.goto(`${base}/admin/queues`);
      expect(again?.status()).toBe(401);
      await page.context().close();
    });
  });
});
