import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { paymentConfig } from '../src/config';
import { loadPaymentConfig } from '../src/config/payment.config';
import { loadStripeConfig, stripeConfig } from '../src/config/stripe.config';
import { PaymentsService } from '../src/modules/payments/payments.service';
import { createMerchant, createProduct } from './support/catalog';
import { signedStripeEvent, StripeTestServer } from './support/stripe-server';
import { createUser } from './support/users';
import { loadRedisConfig } from '../src/config/redis.config';
import { eventually } from './support/jobs';
import { insertOrdersOfNewBuyer } from './support/orders-fixture';
import { SmtpSink } from './support/smtp-sink';
import { createTestApp } from './support/test-app';
import { WorkerProcesses } from './support/worker-processes';

/**
 * Real worker processes (`src/worker.ts`) sweeping unpaid orders, one of them killed with
 * SIGKILL inside an expiry transaction (held there by test/support/expiry-holding-worker.ts).
 * They use a Redis prefix of their own, so that no processor of another suite takes their jobs.
 */
describe('the expiry sweep survives a worker killed with SIGKILL', () => {
  const prefix = `${loadRedisConfig().prefix}_paycrash`;
  const workers = new WorkerProcesses(() => ({
    ...stripe.env,
    PAYMENT_PROVIDERS: 'manual,stripe',
    REDIS_PREFIX: prefix,
    MAIL_URL: sink.url,
    PAYMENT_EXPIRY_SWEEP_INTERVAL: '1',
  }));
  let app: NestFastifyApplication;
  let db: DataSource;
  let sink: SmtpSink;
  let stripe: StripeTestServer;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    stripe = await StripeTestServer.start();
    app = await createTestApp({
      overrides: [
        [stripeConfig.KEY, loadStripeConfig({ ...process.env, ...stripe.env })],
        [paymentConfig.KEY, { ...loadPaymentConfig(), providers: ['manual', 'stripe'] }],
      ],
    });
    db = app.get(DataSource);
  });

  afterAll(async () => {
    await workers.killAll();
    await app?.close();
    await sink?.close();
    await stripe?.close();
  });

  it('expires every order exactly once after a restart: stock back once, one history row, one e-mail each', async () => {
    const { orders, buyer } = await insertOrdersOfNewBuyer(app, 10, 'awaiting_payment');
    const ids = orders.map((o) => o.id);
    const stockOf = async (): Promise<Record<string, number>> =>
      Object.fromEntries(
        (
          await db.query(
            `SELECT v.id, v.stock FROM product_variants v
              WHERE v.id IN (SELECT variant_id FROM order_items WHERE order_id = ANY($1::uuid[]))`,
            [ids],
          )
        ).map((r: { id: string; stock: number }) => [r.id, r.stock]),
      );
    const ordered: { variant_id: string; quantity: number }[] = await db.query(
      `SELECT variant_id, quantity FROM order_items WHERE order_id = ANY($1::uuid[])`,
      [ids],
    );
    const before = await stockOf();
    const expected = { ...before };
    for (const line of ordered) expected[line.variant_id] += line.quantity;
    // Their payment windows are over.
    await db.query(
      `UPDATE payments SET expires_at = now() - interval '1 second' WHERE order_id = ANY($1::uuid[])`,
      [ids],
    );

    const { child: held, holding } = await workers.startHolding(
      join(__dirname, 'support', 'expiry-holding-worker.ts'),
    );
    expect(ids).toContain(holding);
    await workers.kill(held, 'SIGKILL');
    expect(held.signalCode).toBe('SIGKILL');
    // The cut transaction left nothing: the order still awaits its payment, its stock taken.
    const [{ status }] = await db.query(`SELECT status FROM orders WHERE id = $1`, [holding]);
    expect(status).toBe('awaiting_payment');

    const restarted = workers.start();
    await eventually(
      async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status = 'expired'`,
            [ids],
          )
        )[0].n === 10,
      { what: 'every order expired', timeoutMs: 120_000, everyMs: 100 },
    );
    const numbers = orders.map((o) => o.number);
    const expiredMails = () =>
      sink.to(buyer.email).filter((m) => numbers.some((n) => m.parsed.text?.includes(n)));
    await eventually(() => Promise.resolve(expiredMails().length >= 10), {
      what: 'the ten expiry e-mails',
      timeoutMs: 120_000,
    });
    await workers.kill(restarted, 'SIGTERM');

    expect(await stockOf()).toEqual(expected);
    const history = await db.query(
      `SELECT order_id, count(*)::int AS n FROM order_status_history
        WHERE order_id = ANY($1::uuid[]) AND to_status = 'expired' GROUP BY order_id`,
      [ids],
    );
    expect(history).toHaveLength(10);
    expect(history.every((r: { n: number }) => r.n === 1)).toBe(true);
    const restocks = await db.query(
      `SELECT count(*)::int AS n FROM stock_movements
        WHERE order_id = ANY($1::uuid[]) AND reason = 'expiry'`,
      [ids],
    );
    expect(restocks[0].n).toBe(ordered.length);
    const perOrder = numbers.map((n) => expiredMails().filter((m) => m.parsed.text?.includes(n)));
    expect(perOrder.map((mails) => mails.length)).toEqual(Array(10).fill(1));
  }, 300_000);

  it('a late payment refund job killed while Stripe executes it refunds once after a restart: one refund, one e-mail, the order stays expired', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, { variants: [{ price: 1500, stock: 5 }] });
    const variantId = product.variants[0].id as string;
    const buyer = await createUser(app);
    await app.inject({
      method: 'POST',
      url: '/api/v1/cart/items',
      headers: buyer.auth,
      payload: { variantId, quantity: 2 },
    });
    const placed = await app.inject({
      method: 'POST',
      url: '/api/v1/checkout',
      headers: { ...buyer.auth, 'idempotency-key': `crash-${randomBytes(6).toString('hex')}` },
      payload: {
        paymentMethod: 'stripe',
        shippingAddress: {
          line1: '1 Kill Lane',
          city: 'Berlin',
          postalCode: '10115',
          country: 'DE',
        },
      },
    });
    expect(placed.statusCode).toBe(201);
    const order = placed.json();
    const intentId = (order.payment.clientSecret as string).split('_secret_')[0];
    await stripe.pay(intentId);
    // The window passes before the webhook arrives: the order expires, its stock comes back.
    await db.query(
      `UPDATE payments SET expires_at = now() - interval '1 second' WHERE order_id = $1`,
      [order.id],
    );
    await app.get(PaymentsService).expireDue();
    const stock = async () =>
      (await db.query(`SELECT stock FROM product_variants WHERE id = $1`, [variantId]))[0].stock;
    expect(await stock()).toBe(5);

    // The late payment: recorded, and its refund written pending with its job.
    const event = signedStripeEvent(stripe, 'payment_intent.succeeded', intentId);
    const answer = await app.inject({
      method: 'POST',
      url: '/api/v1/payments/stripe/webhook',
      headers: event.headers,
      payload: event.rawBody,
    });
    expect(answer.statusCode).toBe(200);
    const [refund] = await db.query(`SELECT id, status FROM refunds WHERE order_id = $1`, [
      order.id,
    ]);
    expect(refund.status).toBe('pending');
    const refundCalls = () =>
      stripe
        .requestsTo('POST', '/v1/refunds')
        .filter((r) => r.idempotencyKey === `refund:${refund.id}`);

    // The worker's refund job reaches Stripe and is held there; the worker dies meanwhile.
    const hold = stripe.hold();
    const first = workers.start();
    try {
      await eventually(() => Promise.resolve(refundCalls().length > 0), {
        what: 'the refund job to call Stripe',
        timeoutMs: 120_000,
      });
      await workers.kill(first, 'SIGKILL');
    } finally {
      hold.release();
    }
    expect(
      (await db.query(`SELECT status FROM refunds WHERE id = $1`, [refund.id]))[0].status,
    ).toBe('pending');

    const restarted = workers.start();
    await eventually(
      async () =>
        (await db.query(`SELECT status FROM refunds WHERE id = $1`, [refund.id]))[0].status ===
        'succeeded',
      { what: 'the refund settled', timeoutMs: 120_000 },
    );
    const refundMails = () =>
      sink.to(buyer.email).filter((m) => /refund/i.test(m.parsed.subject ?? ''));
    await eventually(() => Promise.resolve(refundMails().length > 0), {
      what: 'the refund e-mail',
      timeoutMs: 120_000,
    });
    await workers.kill(restarted, 'SIGTERM');

    // Stripe refunded once (the retry got the first answer back), one refund, one e-mail.
    expect([...stripe.refunds.values()].filter((r) => r.payment_intent === intentId)).toHaveLength(
      1,
    );
    expect(refundCalls().filter((r) => !r.replayed && r.status === 200)).toHaveLength(1);
    expect(await db.query(`SELECT id FROM refunds WHERE order_id = $1`, [order.id])).toHaveLength(
      1,
    );
    expect(refundMails()).toHaveLength(1);
    const [{ status }] = await db.query(`SELECT status FROM orders WHERE id = $1`, [order.id]);
    expect(status).toBe('expired');
    expect(await stock()).toBe(5);
  }, 300_000);
});
