import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { mailConfig, redisConfig } from '../src/config';
import { loadMailConfig } from '../src/config/mail.config';
import { loadRedisConfig } from '../src/config/redis.config';
import { securityHeaders } from '../src/common/http/security-headers';
import { ProcessorsModule } from '../src/worker.module';
import { browserAvailable, launchBrowser } from './support/browser';
import { createMerchant, createProduct } from './support/catalog';
import { SmtpSink } from './support/smtp-sink';
import { createTestApp } from './support/test-app';
import { uniqueEmail } from './support/users';

/** A loopback port nobody listens on now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The API with the mail worker, listening where PUBLIC_WEB_URL (`links`) says. */
async function linkedApp(sink: SmtpSink, links: 'the API' | 'a storefront') {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const mail = loadMailConfig({
    PORT: String(port),
    ...(links === 'the API' ? {} : { PUBLIC_WEB_URL: 'https://shop.example.test' }),
  });
  const redis = loadRedisConfig();
  const app = await createTestApp({
    imports: [ProcessorsModule],
    overrides: [
      [
        mailConfig.KEY,
        {
          ...mail,
          url: sink.url,
          publicWebUrl: mail.publicWebUrl.replace('localhost', '127.0.0.1'),
        },
      ],
      [
        redisConfig.KEY,
        { ...redis, prefix: `${redis.prefix}:links-${randomBytes(3).toString('hex')}` },
      ],
    ],
  });
  await app.listen(port, '127.0.0.1');
  return { app, base };
}

/** The first link to `path` in a message's text. */
const linkIn = (text: string | undefined, path: string): string => {
  const link = new RegExp(`https?://\\S+${path}\\S*`).exec(text ?? '')?.[0];
  if (!link) throw new Error(`no ${path} link in: ${text}`);
  return link;
};

describe('e-mail links when PUBLIC_WEB_URL is the API itself (the default)', () => {
  let sink: SmtpSink;
  let app: NestFastifyApplication;
  let base: string;
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${base}/api/v1${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    ({ app, base } = await linkedApp(sink, 'the API'));
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });

  /** A new customer through the API; their welcome mail's verification link. */
  async function register(password = 'a fine long passphrase') {
    const email = uniqueEmail('links');
    const res = await api('/auth/register', {
      method: 'POST',
      body: JSON.stringify({ email, password, name: 'Link Tester' }),
    });
    expect(res.status).toBe(201);
    const { accessToken } = (await res.json()) as { accessToken: string };
    const welcome = await sink.waitFor(email, 20_000, /verify/);
    return {
      email,
      password,
      accessToken,
      verifyLink: linkIn(welcome.parsed.text, '/verify-email'),
    };
  }

  async function resetLink(email: string): Promise<string> {
    const res = await api('/auth/password/forgot', {
      method: 'POST',
      body: JSON.stringify({ email }),
    });
    expect(res.status).toBe(202);
    return linkIn((await sink.waitFor(email, 20_000, /Reset/)).parsed.text, '/reset-password');
  }

  it('points the links at the API, whose verification and reset pages answer with HTML that calls it', async () => {
    const user = await register();
    expect(user.verifyLink.startsWith(`${base}/verify-email?token=`)).toBe(true);
    const verify = await fetch(user.verifyLink);
    expect(verify.status).toBe(200);
    expect(verify.headers.get('content-type')).toMatch(/^text\/html/);
    expect(verify.headers.get('cache-control')).toBe('no-store');
    // A page outside Swagger UI and the dashboard: helmet's headers for documents, as HTML.
    for (const [name, value] of Object.entries(securityHeaders())) {
      expect([name, verify.headers.get(name)]).toEqual([name, value]);
    }
    expect(await verify.text()).toContain('/api/v1/auth/verify-email');

    const reset = await resetLink(user.email);
    expect(reset.startsWith(`${base}/reset-password?token=`)).toBe(true);
    const page = await fetch(reset);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/api/v1/auth/password/reset');
    expect(html).toMatch(/<input[^>]+type="password"/);
  });

  it('leads the order link to the order’s JSON for its signed-in buyer', async () => {
    const user = await register();
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, { variants: [{ price: 1500, stock: 5 }] });
    const auth = { authorization: `Bearer ${user.accessToken}` };
    const add = await api('/cart/items', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ variantId: product.variants[0].id, quantity: 1 }),
    });
    expect(add.status).toBe(200);
    const placed = await api('/checkout', {
      method: 'POST',
      headers: { ...auth, 'idempotency-key': randomBytes(8).toString('hex') },
      body: JSON.stringify({
        shippingAddress: { line1: '1 Rue Test', city: 'Lyon', postalCode: '69001', country: 'FR' },
      }),
    });
    expect(placed.status).toBe(201);
    const order = (await placed.json()) as { id: string };
    // The payment instructions of a manual-payment order carry the order link.
    const instructions = await sink.waitFor(user.email, 20_000, /how to pay/);
    const link = linkIn(instructions.parsed.text, `/orders/${order.id}`);
    expect(link).toBe(`${base}/orders/${order.id}`);
    const followed = await fetch(link, { headers: auth });
    expect(followed.status).toBe(200);
    expect(followed.url).toBe(`${base}/api/v1/orders/${order.id}`);
    expect(await followed.json()).toMatchObject({ id: order.id, status: 'awaiting_payment' });
    // Without a sign-in the same link is the API's 401, never someone's order.
    const anonymous = await fetch(link);
    expect(anonymous.status).toBe(401);
  });

  (browserAvailable() ? describe : describe.skip)('in a real browser', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(() => browser?.close());

    it('verifies the address on opening the link, and sets a new password from the reset form', async () => {
      const user = await register();
      const page = await (await browser.newContext()).newPage();
      page.setDefaultTimeout(15_000);
      await page.goto(user.verifyLink);
      await page.getByText('Your e-mail address is verified.').waitFor();
      const me = await api('/users/me', {
        headers: { authorization: `Bearer ${user.accessToken}` },
      });
      expect(((await me.json()) as { emailVerified: boolean }).emailVerified).toBe(true);

      await page.goto(await resetLink(user.email));
      await page.getByLabel('New password').fill('an even better passphrase');
      await page.getByRole('button', { name: 'Set the new password' }).click();
      await page.getByText('Your password is changed').waitFor();
      const login = await api('/auth/login', {
        method: 'POST',
        body: JSON.stringify({ email: user.email, password: 'an even better passphrase' }),
      });
      expect(login.status).toBe(200);
    });
  });
});

describe('e-mail links when PUBLIC_WEB_URL is a storefront', () => {
  it('links to the storefront and serves no pages of its own', async () => {
    const sink = await SmtpSink.start();
    const { app, base } = await linkedApp(sink, 'a storefront');
    try {
      const email = uniqueEmail('links');
      const res = await fetch(`${base}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'a fine long passphrase', name: 'Shopper' }),
      });
      expect(res.status).toBe(201);
      const link = linkIn((await sink.waitFor(email)).parsed.text, '/verify-email');
      expect(link.startsWith('https://shop.example.test/verify-email?token=')).toBe(true);
      const local = await fetch(`${base}${new URL(link).pathname}${new URL(link).search}`);
      expect(local.status).toBe(404);
    } finally {
      await app.close();
      await sink.close();
    }
  });
});
