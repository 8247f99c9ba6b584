import { getQueueToken } from '@nestjs/bull';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bull';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { mailConfig, queueConfig, redisConfig } from '../src/config';
import { loadMailConfig } from '../src/config/mail.config';
import { loadQueueConfig } from '../src/config/queue.config';
import { loadRedisConfig } from '../src/config/redis.config';
import { formatMoney } from '../src/common/money/format-money';
import { jobMessages, QUEUES } from '../src/modules/queues/queue-names';
import { AppModule } from '../src/app.module';
import { InvoicesProcessor } from '../src/modules/invoices/invoices.processor';
import { MailProcessor } from '../src/modules/mail/mail.processor';
import { PaymentsProcessor } from '../src/modules/payments/payments.processor';
import { OutboxRelay } from '../src/modules/queues/outbox-relay';
import { ProcessorsModule } from '../src/worker.module';
import { createMerchant, createProduct } from './support/catalog';
import { AdminPayments } from './support/payments';
import { pdfText } from './support/invoices';
import { enqueue, eventually, settled, settledJob } from './support/jobs';
import { SmtpSink } from './support/smtp-sink';
import { createTestApp } from './support/test-app';
import { createUser } from './support/users';

/**
 * The whole path after a checkout, with nothing called by hand: the buyer is told how to pay,
 * an admin records the bank transfers through the API, the paid order's outbox row is relayed
 * onto Bull, the invoice processor issues the PDF, and the confirmation e-mail reaches a real
 * SMTP server with that PDF attached. Nothing is invoiced before the order is paid.
 */
describe('checkout → awaiting payment → paid → invoice → confirmation e-mail', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    const redis = loadRedisConfig();
    app = await createTestApp({
      imports: [ProcessorsModule],
      overrides: [
        [mailConfig.KEY, { ...loadMailConfig(), url: sink.url }],
        [queueConfig.KEY, { ...loadQueueConfig(), backoffMs: 50, concurrency: 4 }],
        // A prefix of its own: no other suite's processors take these jobs.
        [
          redisConfig.KEY,
          { ...redis, prefix: `${redis.prefix}:flow-${randomBytes(3).toString('hex')}` },
        ],
      ],
    });
    db = app.get(DataSource);
  });
  afterAll(async () => {
    await app.close();
    await sink.close();
  });

  const address = { line1: '5 Flow Street', city: 'Hamburg', postalCode: '20095', country: 'DE' };

  async function placeOrder(title: string, price: number, quantity: number) {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, {
      title,
      variants: [{ price, stock: 50 }],
    });
    const buyer = await createUser(app);
    const added = await app.inject({
      method: 'POST',
      url: '/api/v1/cart/items',
      headers: buyer.auth,
      payload: { variantId: product.variants[0].id, quantity },
    });
    expect(added.statusCode).toBe(200);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/checkout',
      headers: { ...buyer.auth, 'idempotency-key': `flow-${randomBytes(4).toString('hex')}` },
      payload: { shippingAddress: address },
    });
    expect(res.statusCode).toBe(201);
    return { buyer, product, order: res.json() };
  }

  const CONFIRMED = /confirmed/;

  it('tells the buyer how to pay, issues nothing until two partial payments add up, then invoices and mails it once', async () => {
    const { buyer, product, order } = await placeOrder('Walnut <em>serving</em> board', 1999, 2);
    // 2 × 19.99 = 39.98; tax 20 % = 8.00 (7.996 rounded); shipping 4.99 (under 50.00).
    expect(order).toMatchObject({ subtotal: 3998, tax: 800, shipping: 499, total: 5297 });
    expect(order).toMatchObject({ status: 'awaiting_payment', invoice: null });

    // Placement: the bank-transfer instructions (amount, reference, account), no invoice.
    const howToPay = (await sink.waitFor(buyer.email, 30_000, /how to pay/)).parsed;
    for (const part of [howToPay.html as string, howToPay.text!]) {
      expect(part).toContain(formatMoney(5297, order.currency));
      expect(part).toContain(order.number);
      expect(part).toContain(order.payment.bankAccount.iban);
    }
    expect(howToPay.attachments).toHaveLength(0);

    const payments = new AdminPayments(app);
    const first = await payments.record(order.id, { amount: 2000, reference: 'Transfer 1' });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      status: 'awaiting_payment',
      payment: { status: 'pending', paidAmount: 2000, amount: 5297 },
      invoice: null,
    });
    // Still unpaid: no invoice, no number taken, no confirmation.
    const invoiceOf = () =>
      db.query(`SELECT number, file_path FROM invoices WHERE order_id = $1`, [order.id]);
    await settled(app, { orderId: order.id });
    expect(await invoiceOf()).toEqual([]);
    expect(
      (
        await app.inject({
          method: 'GET',
          url: `/api/v1/orders/${order.id}/invoice`,
          headers: buyer.auth,
        })
      ).statusCode,
    ).toBe(404);
    expect(sink.to(buyer.email).filter((m) => CONFIRMED.test(m.parsed.subject ?? ''))).toEqual([]);

    const second = await payments.record(order.id, {
      amount: 3297,
      reference: 'Transfer 2',
      receivedAt: new Date(Date.now() - 3600_000).toISOString(),
    });
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({
      status: 'paid',
      payment: { status: 'paid', paidAmount: 5297, attention: null },
      paymentDueAt: null,
    });
    expect(second.json().history.map((h: { to: string }) => h.to)).toEqual([
      'awaiting_payment',
      'paid',
    ]);

    const message = await sink.waitFor(buyer.email, 30_000, CONFIRMED);
    const { parsed } = message;
    const [invoice] = await invoiceOf();
    expect(invoice.number).toMatch(/^INV-\d{4}-\d{6}$/);
    expect(parsed.subject).toContain(order.number);

    // Both parts carry the order's figures, and the HTML part escapes the merchant's title.
    for (const part of [parsed.html as string, parsed.text!]) {
      expect(part).toContain(order.number);
      expect(part).toContain(invoice.number);
      for (const amount of [3998, 800, 499, 5297]) {
        expect(part).toContain(formatMoney(amount, order.currency));
      }
    }
    expect(parsed.html).toContain('Walnut &lt;em&gt;serving&lt;/em&gt; board');
    expect(parsed.html).not.toContain('<em>serving</em>');

    // The attachment is the issued invoice: same bytes as the download, text with the totals.
    expect(parsed.attachments).toHaveLength(1);
    const [attachment] = parsed.attachments;
    expect(attachment.filename).toBe(`${invoice.number}.pdf`);
    const download = await app.inject({
      method: 'GET',
      url: `/api/v1/orders/${order.id}/invoice`,
      headers: buyer.auth,
    });
    expect(download.statusCode).toBe(200);
    expect(attachment.content.equals(download.rawPayload)).toBe(true);
    const text = await pdfText(attachment.content);
    expect(text).toContain(invoice.number);
    expect(text).toContain(order.number);
    expect(text).toContain(product.variants[0].sku);
    expect(text).toContain(formatMoney(5297, order.currency));

    // The order now points at its invoice; every outbox row went out; one message, logged sent.
    const read = await app.inject({
      method: 'GET',
      url: `/api/v1/orders/${order.id}`,
      headers: buyer.auth,
    });
    expect(read.json().invoice).toEqual({
      number: invoice.number,
      url: `/api/v1/orders/${order.id}/invoice`,
    });
    const pending = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM outbox
            WHERE payload->>'orderId' = $1 AND relayed_at IS NULL`,
          [order.id],
        )
      )[0].n as number;
    await eventually(async () => (await pending()) === 0, { what: 'the outbox to drain' });
    expect(await pending()).toBe(0);
    const logs = await db.query(
      `SELECT template, status, attempts FROM mail_log WHERE event_key = $1`,
      [`mail.order-confirmation.${order.id}`],
    );
    expect(logs).toEqual([{ template: 'order-confirmation', status: 'sent', attempts: 1 }]);
    await settled(app, { orderId: order.id });
    // The how-to-pay message and the confirmation, once each.
    expect(sink.to(buyer.email).map((m) => m.parsed.subject)).toEqual([
      `Order ${order.number} received: how to pay`,
      `Order ${order.number} confirmed`,
    ]);
  });

  it('mails each of several concurrent paid orders once, each with its own invoice', async () => {
    const placed = await Promise.all(
      Array.from({ length: 5 }, (_, i) => placeOrder(`Flow item ${i}`, 1000 + i, 1)),
    );
    const payments = new AdminPayments(app);
    await Promise.all(placed.map((p) => payments.payInFull(p.order.id)));
    const messages = await Promise.all(
      placed.map((p) => sink.waitFor(p.buyer.email, 30_000, CONFIRMED)),
    );
    const numbers = messages.map((m) => m.parsed.attachments[0]?.filename);
    expect(new Set(numbers).size).toBe(5);
    for (const [i, m] of messages.entries()) {
      expect(m.parsed.subject).toContain(placed[i].order.number);
    }
  });
});

describe('where processors run', () => {
  it.each([
    [false, 'an API without RUN_WORKERS registers no processor and no relay'],
    [true, 'an API with RUN_WORKERS runs the relay and the processors'],
  ])('runWorkers %s: %s', async (runWorkers) => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule.forRoot({ runWorkers })],
    }).compile();
    try {
      for (const processor of [OutboxRelay, MailProcessor, InvoicesProcessor, PaymentsProcessor]) {
        const lookup = () => moduleRef.get(processor, { strict: false });
        if (runWorkers) expect(lookup()).toBeInstanceOf(processor);
        else expect(lookup).toThrow();
      }
    } finally {
      await moduleRef.close();
    }
  });

  it('WORKER_QUEUES runs only the named queues: a mail-only worker leaves invoice jobs waiting', async () => {
    const redis = loadRedisConfig();
    const app = await createTestApp({
      imports: [ProcessorsModule],
      overrides: [
        [queueConfig.KEY, { ...loadQueueConfig(), workerQueues: ['mail'] }],
        [
          redisConfig.KEY,
          { ...redis, prefix: `${redis.prefix}:wq-${randomBytes(3).toString('hex')}` },
        ],
      ],
    });
    try {
      const invoices = app.get<Queue>(getQueueToken(QUEUES.invoices));
      const mail = app.get<Queue>(getQueueToken(QUEUES.mail));
      const invoice = jobMessages.invoice(randomUUID());
      const verify = jobMessages.verifyEmail(randomUUID(), randomBytes(16).toString('hex'));
      await enqueue(invoices, invoice);
      await enqueue(mail, verify);
      // The mail job (its user does not exist) is taken and settled by the mail processor…
      await settledJob(mail, verify.jobId);
      // …while nobody takes the invoice job.
      expect(await (await invoices.getJob(invoice.jobId))?.getState()).toBe('waiting');
    } finally {
      await app.close();
    }
  });
});
