import { scrapeMetrics } from './support/metrics';
import { getQueueToken } from '@nestjs/bull';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bull';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { DataSource } from 'typeorm';
import { loadMailConfig } from '../src/config/mail.config';
import { loadQueueConfig } from '../src/config/queue.config';
import { loadRedisConfig } from '../src/config/redis.config';
import { mailConfig, queueConfig, redisConfig, storageConfig, StorageConfig } from '../src/config';
import { InvoicesService } from '../src/modules/invoices/invoices.service';
import { emlFileName } from '../src/modules/mail/mail-delivery';
import { jobMessages, QUEUES } from '../src/modules/queues/queue-names';
import { ProcessorsModule } from '../src/worker.module';
import { createMerchant, createProduct } from './support/catalog';
import { enqueue, eventually, settledJob } from './support/jobs';
import { insertOrder } from './support/orders-fixture';
import { SmtpSink } from './support/smtp-sink';
import { createTestApp } from './support/test-app';
import { createUser, TestUser, uniqueEmail } from './support/users';

/**
 * The app with the mail processor running, a Redis prefix of its own (no other suite's worker
 * takes these jobs), a short retry backoff, and `mail` overrides (SMTP URL or none).
 */
async function mailApp(mail: Partial<ReturnType<typeof loadMailConfig>>) {
  const redis = loadRedisConfig();
  return createTestApp({
    imports: [ProcessorsModule],
    overrides: [
      [mailConfig.KEY, { ...loadMailConfig(), ...mail }],
      [queueConfig.KEY, { ...loadQueueConfig(), attempts: 4, backoffMs: 50, concurrency: 2 }],
      [
        redisConfig.KEY,
        { ...redis, prefix: `${redis.prefix}:mail-${randomBytes(3).toString('hex')}` },
      ],
    ],
  });
}

describe('mail over SMTP', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let queue: Queue;
  let sink: SmtpSink;
  let merchant: TestUser & { shopId: string };
  const webUrl = 'https://shop.example.test';

  beforeAll(async () => {
    sink = await SmtpSink.start();
    app = await mailApp({ url: sink.url, publicWebUrl: webUrl });
    db = app.get(DataSource);
    queue = app.get<Queue>(getQueueToken(QUEUES.mail));
    merchant = await createMerchant(app);
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });

  const mailLog = async (eventKey: string) =>
    (
      await db.query(
        `SELECT template, recipient, status, attempts, provider_message_id, last_error, sent_at,
                unknown_outcomes
           FROM mail_log WHERE event_key = $1`,
        [eventKey],
      )
    )[0];

  /** An order of `quantity` × a product at 10.00 for a new customer. */
  async function order(
    options: { title?: string; quantity?: number; status?: 'shipped' | 'awaiting_payment' } = {},
  ) {
    const customer = await createUser(app);
    const product = await createProduct(app, merchant, {
      title: options.title,
      variants: [{ price: 1000, stock: 10 }],
    });
    const placed = await insertOrder(app, {
      userId: customer.id,
      lines: [{ variantId: product.variants[0].id, quantity: options.quantity ?? 2 }],
      // Paid unless said otherwise: only a paid order has an invoice to send.
      status: options.status ?? 'paid',
    });
    return { customer, product, order: placed };
  }

  /** Issues the order's invoice through the invoice service, as its processor does. */
  async function issueInvoice(orderId: string) {
    const storage = app.get<StorageConfig>(storageConfig.KEY);
    await app.get(InvoicesService).issueInvoice(orderId);
    const [row] = await db.query(
      `SELECT number, file_path FROM invoices WHERE order_id = $1 AND kind = 'invoice'`,
      [orderId],
    );
    return {
      number: row.number as string,
      pdf: await readFile(join(storage.invoiceDir, row.file_path)),
    };
  }

  it('sends the order confirmation with the invoice PDF attached and the totals in both parts', async () => {
    const { customer, order: placed } = await order({ title: 'Brass desk lamp', quantity: 2 });
    // 2 × 10.00 = 20.00; tax 20 % = 4.00; shipping 4.99 (under 50.00); total 28.99.
    expect(placed.total).toBe(2899);
    const invoice = await issueInvoice(placed.id);
    const m = jobMessages.orderConfirmation(placed.id);
    await enqueue(queue, m);

    const { parsed } = await sink.waitFor(customer.email);
    expect(parsed.subject).toBe(`Order ${placed.number} confirmed`);
    expect(parsed.from?.text).toContain('no-reply@shop.local');
    const html = parsed.html as string;
    const text = parsed.text!;
    for (const part of [html, text]) {
      expect(part).toContain('Brass desk lamp');
      expect(part).toContain(placed.number);
      expect(part).toContain(invoice.number);
      expect(part).toMatch(/Subtotal[\s\S]*?€20\.00/);
      expect(part).toMatch(/Tax \(20 %\)[\s\S]*?€4\.00/);
      expect(part).toMatch(/Shipping[\s\S]*?€4\.99/);
      expect(part).toMatch(/Total[\s\S]*?€28\.99/);
      expect(part).toContain(`${webUrl}/orders/${placed.id}`);
    }
    expect(parsed.attachments).toHaveLength(1);
    const [pdf] = parsed.attachments;
    expect(pdf.filename).toBe(`${invoice.number}.pdf`);
    expect(pdf.contentType).toBe('application/pdf');
    expect(pdf.content.equals(invoice.pdf)).toBe(true);

    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('sent');
    const log = await mailLog(m.jobId);
    expect(log).toMatchObject({
      template: 'order-confirmation',
      recipient: customer.email,
      status: 'sent',
      attempts: 1,
      provider_message_id: parsed.messageId,
    });
    expect(log.sent_at).not.toBeNull();
  });

  it('waits for the invoice: a confirmation without one is retried, not sent and not spent', async () => {
    const { customer, order: placed } = await order();
    const m = jobMessages.orderConfirmation(placed.id);
    await enqueue(queue, m);
    const job = await settledJob(queue, m.jobId);
    expect(job.failedReason).toContain('has no invoice yet');
    expect(job.attemptsMade).toBe(4);
    expect(sink.to(customer.email)).toHaveLength(0);
    expect(await mailLog(m.jobId)).toBeUndefined();

    // Once the invoice exists, the retried job sends the message.
    await issueInvoice(placed.id);
    await job.retry();
    expect((await sink.waitFor(customer.email)).parsed.attachments).toHaveLength(1);
  });

  it('sends the welcome e-mail at register; its link verifies the address', async () => {
    const email = uniqueEmail('welcome');
    const res = await post('/auth/register', {
      email,
      password: 'a fine long passphrase',
      name: 'Ada',
    });
    expect(res.statusCode).toBe(201);
    const userId = res.json().user.id;
    const rows = await db.query(
      `SELECT queue, name, job_id, payload FROM outbox WHERE name = 'verify-email' AND payload->>'userId' = $1`,
      [userId],
    );
    expect(rows).toHaveLength(1);
    // The app's outbox relay (ProcessorsModule) puts the row on the mail queue.

    const { parsed } = await sink.waitFor(email);
    expect(parsed.subject).toContain('verify your e-mail address');
    expect(parsed.text).toContain('Welcome, Ada!');
    expect(parsed.text).toContain('expires in 48 hours');
    const link = /https:\/\/shop\.example\.test\/verify-email\?token=([A-Za-z0-9_-]+)/.exec(
      parsed.text!,
    );
    expect(link).not.toBeNull();
    expect(parsed.html).toContain(`href="${link![0]}"`);
    expect((await post('/auth/verify-email', { token: link![1] })).statusCode).toBe(204);
    const [user] = await db.query('SELECT email_verified_at FROM users WHERE id = $1', [userId]);
    expect(user.email_verified_at).not.toBeNull();
  });

  it('sends the password-reset link on forgot; the link resets the password', async () => {
    const user = await createUser(app);
    expect((await post('/auth/password/forgot', { email: user.email })).statusCode).toBe(202);
    const [row] = await db.query(
      `SELECT name, job_id, payload FROM outbox WHERE name = 'password-reset' AND payload->>'userId' = $1`,
      [user.id],
    );
    expect(row).toBeDefined();

    const { parsed } = await sink.waitFor(user.email);
    expect(parsed.subject).toContain('Reset your');
    const token = /reset-password\?token=([A-Za-z0-9_-]+)/.exec(parsed.text!)?.[1];
    expect(token).toBeDefined();
    expect(parsed.html).toContain(`reset-password?token=${token}`);
    const reset = await post('/auth/password/reset', { token, password: 'a brand new passphrase' });
    expect(reset.statusCode).toBe(204);
    const login = await post('/auth/login', {
      email: user.email,
      password: 'a brand new passphrase',
    });
    expect(login.statusCode).toBe(200);
  });

  it('tells the buyer when an order is shipped, cancelled or expired', async () => {
    const expected = {
      shipped: 'is on its way',
      cancelled: 'has been cancelled',
      expired: 'has expired',
    } as const;
    for (const status of ['shipped', 'cancelled', 'expired'] as const) {
      const { customer, order: placed } = await order({ quantity: 1 });
      const [history] = await db.query(
        `INSERT INTO order_status_history (order_id, from_status, to_status)
         VALUES ($1, 'paid', $2) RETURNING id`,
        [placed.id, status],
      );
      await enqueue(queue, jobMessages.orderStatus(placed.id, String(history.id), status));
      const { parsed } = await sink.waitFor(customer.email);
      expect(parsed.subject).toBe(`Order ${placed.number} ${status}`);
      for (const part of [parsed.text!, parsed.html as string]) {
        expect(part).toContain(`Your order ${placed.number} ${expected[status]}`);
        // 10.00 + 2.00 tax + 4.99 shipping
        expect(part).toContain('€16.99');
      }
      expect(parsed.attachments).toHaveLength(0);
    }
  });

  it('notifies the merchant once when a stock adjustment crosses the low-stock threshold', async () => {
    const product = await createProduct(app, merchant, {
      title: 'Camping stove',
      variants: [{ price: 2500, stock: 7 }],
    });
    const variant = product.variants[0];
    const adjust = (delta: number) =>
      post(
        '/inventory/adjustments',
        { variantId: variant.id, delta, reason: 'adjustment' },
        merchant.auth,
      );
    const lowStockRows = () =>
      db.query(
        `SELECT name, job_id, payload FROM outbox WHERE name = 'low-stock' AND payload->>'variantId' = $1`,
        [variant.id],
      );
    expect((await adjust(-1)).statusCode).toBe(201); // 6: above the threshold of 5
    expect((await adjust(-3)).statusCode).toBe(201); // 3: crossed
    expect((await adjust(-1)).statusCode).toBe(201); // 2: already below, no second notice
    // The listener writes the row after the adjustment's commit; the app's relay queues it.
    const rows = await eventually(
      async () => {
        const found = await lowStockRows();
        return found.length ? found : undefined;
      },
      { everyMs: 20, what: 'the low-stock outbox row' },
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].payload).toEqual({ variantId: variant.id, stock: 3, threshold: 5 });

    const { parsed } = await sink.waitFor(merchant.email);
    expect(parsed.subject).toBe(`Low stock: ${variant.sku} (3 left)`);
    for (const part of [parsed.text!, parsed.html as string]) {
      expect(part).toContain('Camping stove');
      expect(part).toContain(variant.sku);
      expect(part).toMatch(/Stock now[\s\S]*?3/);
      expect(part).toMatch(/Threshold[\s\S]*?5/);
      expect(part).toContain(`${webUrl}/merchant/products/${product.id}`);
    }
    expect(await lowStockRows()).toHaveLength(1);
  });

  it('retries while the SMTP server refuses, then delivers exactly one message', async () => {
    const user = await createUser(app);
    const m = jobMessages.verifyEmail(user.id, randomBytes(32).toString('base64url'));
    const before = sink.attempts;
    sink.refuseNext(2, 451);
    await enqueue(queue, m);

    const job = await settledJob(queue, m.jobId);
    expect(job.returnvalue).toBe('sent');
    expect(job.attemptsMade).toBe(2);
    expect(sink.attempts - before).toBe(3);
    expect(sink.to(user.email)).toHaveLength(1);
    expect(await mailLog(m.jobId)).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
  });

  it('records a permanent refusal as failed and keeps the job for a later retry', async () => {
    const user = await createUser(app);
    const m = jobMessages.passwordReset(user.id, randomBytes(32).toString('base64url'));
    sink.refuseNext(4, 550);
    await enqueue(queue, m);
    const job = await settledJob(queue, m.jobId);
    expect(job.finishedOn).toBeDefined();
    expect(await job.getState()).toBe('failed');
    expect(sink.to(user.email)).toHaveLength(0);
    const log = await mailLog(m.jobId);
    expect(log).toMatchObject({ status: 'failed', attempts: 4 });
    expect(log.last_error).toContain('550');

    // A refused send is safe to repeat: retrying the failed job delivers it.
    await job.retry();
    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('sent');
    expect(sink.to(user.email)).toHaveLength(1);
    expect(await mailLog(m.jobId)).toMatchObject({ status: 'sent', attempts: 5 });
  });

  it('sends one message when a job runs again after it succeeded', async () => {
    const user = await createUser(app);
    const m = jobMessages.verifyEmail(user.id, randomBytes(32).toString('base64url'));
    await enqueue(queue, m);
    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('sent');

    // The same event again (a relay that re-adds a job Bull has already removed).
    await (await queue.getJob(m.jobId))!.remove();
    await enqueue(queue, m);
    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('already-done');
    expect(sink.to(user.email)).toHaveLength(1);
    expect(await mailLog(m.jobId)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  // What a worker killed between the claim and the server's answer leaves behind.
  const interruptedAttempt = (eventKey: string, template: string, recipient: string) =>
    db.query(
      `INSERT INTO mail_log (event_key, template, recipient, status, attempts)
       VALUES ($1, $2, $3, 'sending', 1)`,
      [eventKey, template, recipient],
    );

  it('sends an at-least-once message again, with the same Message-ID, after an attempt stopped in the middle of sending', async () => {
    const user = await createUser(app);
    const m = jobMessages.verifyEmail(user.id, randomBytes(32).toString('base64url'));
    await interruptedAttempt(m.jobId, 'welcome', user.email);
    await enqueue(queue, m);
    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('sent');
    const [copy] = sink.to(user.email);
    expect(sink.to(user.email)).toHaveLength(1);
    expect(copy.parsed.messageId).toBe(`<${m.jobId}@shop.local>`);
    expect(await mailLog(m.jobId)).toMatchObject({
      status: 'sent',
      attempts: 2,
      unknown_outcomes: 1,
      provider_message_id: `<${m.jobId}@shop.local>`,
    });
  });

  it('does not resend an at-most-once message (low stock) after an interrupted attempt, and counts it', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 100, stock: 1 }] });
    const m = jobMessages.lowStock(product.variants[0].id, `test-${randomUUID()}`, 1, 5);
    await interruptedAttempt(m.jobId, 'low-stock', merchant.email);
    await enqueue(queue, m);
    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('interrupted');
    const log = await mailLog(m.jobId);
    expect(log).toMatchObject({ status: 'failed', unknown_outcomes: 1 });
    expect(log.last_error).toMatch(/^outcome unknown/);

    await (await queue.getJob(m.jobId))!.remove();
    await enqueue(queue, m);
    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('already-done');
    expect(sink.to(merchant.email).filter((x) => x.parsed.messageId?.includes(m.jobId))).toEqual(
      [],
    );
    const metrics = await scrapeMetrics(app);
    expect(metrics).toMatch(/^mail_unknown_outcomes_total\{template="low-stock"\} [1-9]/m);
    expect(metrics).toMatch(/^mail_possibly_lost\{template="low-stock"\} [1-9]/m);
  });

  it('records an event whose account is gone as skipped, and fails an unknown job name or an invalid payload once', async () => {
    const m = jobMessages.verifyEmail('00000000-0000-4000-8000-000000000000', 'x'.repeat(43));
    await enqueue(queue, m);
    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('skipped');
    expect(await mailLog(m.jobId)).toMatchObject({ status: 'skipped', attempts: 0 });

    // The queue's default is 8 attempts: neither job is retried.
    await queue.add('no-such-mail', {}, { jobId: 'mail.no-such-mail.1' });
    const unknown = await settledJob(queue, 'mail.no-such-mail.1');
    expect(unknown.failedReason).toBe('unknown job name "no-such-mail" in queue mail');
    expect(unknown.attemptsMade).toBe(1);
    expect(await mailLog('mail.no-such-mail.1')).toBeUndefined();

    await queue.add('order-status', { orderId: 'x', status: 'lost' }, { jobId: 'mail.bad.1' });
    const invalid = await settledJob(queue, 'mail.bad.1');
    expect(invalid.failedReason).toBe(
      'invalid payload: orderId must be a UUID; historyId must be a positive integer id as a ' +
        'string; status must be one of shipped, cancelled, expired',
    );
    expect(invalid.attemptsMade).toBe(1);
    expect(await mailLog('mail.bad.1')).toBeUndefined();
  });

  it('escapes user text in the HTML part (a product title with a script tag)', async () => {
    const title = '<script>alert(1)</script> & "lamp"';
    const { customer, order: placed } = await order({ title, quantity: 1, status: 'shipped' });
    const [history] = await db.query(
      `SELECT id FROM order_status_history WHERE order_id = $1 ORDER BY id DESC LIMIT 1`,
      [placed.id],
    );
    await enqueue(queue, jobMessages.orderStatus(placed.id, String(history.id), 'shipped'));
    const { parsed } = await sink.waitFor(customer.email);
    const html = parsed.html as string;
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    // Plain text is not markup: the title reads as typed.
    expect(parsed.text).toContain(title);
  });
});

describe('mail without MAIL_URL', () => {
  let app: NestFastifyApplication;
  let queue: Queue;
  let outboxDir: string;

  beforeAll(async () => {
    outboxDir = await mkdtemp(join(tmpdir(), 'mail-outbox-'));
    app = await mailApp({ url: undefined, outboxDir });
    queue = app.get<Queue>(getQueueToken(QUEUES.mail));
  });
  afterAll(() => app.close());

  it('writes each message as a parseable .eml file, once per event', async () => {
    const user = await createUser(app);
    const token = randomBytes(32).toString('base64url');
    const m = jobMessages.verifyEmail(user.id, token);
    await enqueue(queue, m);
    expect((await settledJob(queue, m.jobId)).returnvalue).toBe('sent');

    const files = await readdir(outboxDir);
    expect(files).toEqual([emlFileName(m.jobId)]);
    const parsed = await simpleParser(await readFile(join(outboxDir, files[0])));
    expect(parsed.to && 'text' in parsed.to ? parsed.to.text : '').toBe(user.email);
    expect(parsed.subject).toContain('verify your e-mail address');
    expect(parsed.text).toContain(`/verify-email?token=${token}`);
    expect(parsed.html).toContain(`/verify-email?token=${token}`);
    const [log] = await app
      .get(DataSource)
      .query(`SELECT status, provider_message_id FROM mail_log WHERE event_key = $1`, [m.jobId]);
    expect(log).toEqual({ status: 'sent', provider_message_id: parsed.messageId });
  });
});
