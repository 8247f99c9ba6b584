import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { mailConfig, paymentConfig, queueConfig, redisConfig } from '../src/config';
import { loadMailConfig } from '../src/config/mail.config';
import { loadPaymentConfig } from '../src/config/payment.config';
import { loadQueueConfig } from '../src/config/queue.config';
import { loadRedisConfig } from '../src/config/redis.config';
import { loadStripeConfig, stripeConfig } from '../src/config/stripe.config';
import { PaymentsService } from '../src/modules/payments/payments.service';
import {
  MANUAL_SIGNATURE_HEADER,
  signManualWebhook,
} from '../src/modules/payments/providers/manual/manual-payment.provider';
import { ProcessorsModule } from '../src/worker.module';
import { createMerchant, createProduct } from './support/catalog';
import { eventually, settled } from './support/jobs';
import { AdminPayments } from './support/payments';
import { SmtpSink } from './support/smtp-sink';
import { signedStripeEvent, StripeTestServer } from './support/stripe-server';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

const MANUAL_SECRET = 'manual-webhook-secret-for-tests';
const ADDRESS = { line1: '9 Pay Street', city: 'Berlin', postalCode: '10115', country: 'DE' };

/**
 * Payments end to end against the real PostgreSQL, Redis, SMTP sink and the loopback Stripe
 * API (test/support/stripe-server.ts, driven by the official `stripe` SDK). Two API instances
 * share the database: `app` runs the processors (refunds, invoices, mail) with long payment
 * windows; `short` places orders whose windows are 2 seconds, for the expiry tests. The expiry
 * sweep is called here through PaymentsService.expireDue (the worker's own sweep is exercised
 * with real processes in payments-worker-crash).
 */
describe('payments', () => {
  let app: NestFastifyApplication;
  let short: NestFastifyApplication;
  let db: DataSource;
  let sink: SmtpSink;
  let stripe: StripeTestServer;
  let payments: PaymentsService;
  let admin: AdminPayments;
  let merchant: Awaited<ReturnType<typeof createMerchant>>;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    stripe = await StripeTestServer.start();
    const redis = loadRedisConfig();
    const base = loadPaymentConfig();
    const stripeEnv = loadStripeConfig({ ...process.env, ...stripe.env });
    const common: [string | symbol, unknown][] = [
      [stripeConfig.KEY, stripeEnv],
      [
        redisConfig.KEY,
        { ...redis, prefix: `${redis.prefix}:pay-${randomBytes(3).toString('hex')}` },
      ],
    ];
    app = await createTestApp({
      imports: [ProcessorsModule],
      overrides: [
        ...common,
        [
          paymentConfig.KEY,
          {
            ...base,
            providers: ['manual', 'stripe'],
            // The sweep is run by hand here (see above).
            expirySweepIntervalSeconds: 3600,
            manualWebhookSecret: MANUAL_SECRET,
          },
        ],
        [mailConfig.KEY, { ...loadMailConfig(), url: sink.url }],
        [queueConfig.KEY, { ...loadQueueConfig(), backoffMs: 50, concurrency: 4 }],
      ],
    });
    short = await createTestApp({
      overrides: [
        ...common,
        [
          paymentConfig.KEY,
          { ...base, providers: ['manual', 'stripe'], timeoutSeconds: { card: 2, manual: 2 } },
        ],
      ],
    });
    db = app.get(DataSource);
    payments = app.get(PaymentsService);
    admin = new AdminPayments(app);
    merchant = await createMerchant(app);
  });
  afterAll(async () => {
    await short?.close();
    await app?.close();
    await stripe?.close();
    await sink?.close();
  });

  const variant = async (stock: number, price = 1000) =>
    (await createProduct(app, merchant, { variants: [{ price, stock }] })).variants[0].id as string;
  const stockOf = async (variantId: string): Promise<number> =>
    (await db.query(`SELECT stock FROM product_variants WHERE id = $1`, [variantId]))[0].stock;
  const statusOf = async (orderId: string): Promise<string> =>
    (await db.query(`SELECT status FROM orders WHERE id = $1`, [orderId]))[0].status;
  const paymentOf = async (orderId: string) =>
    (
      await db.query(
        `SELECT status, paid_amount, refunded_amount, attention FROM payments WHERE order_id = $1`,
        [orderId],
      )
    )[0];
  const historyOf = async (orderId: string): Promise<string[]> =>
    (
      await db.query(`SELECT to_status FROM order_status_history WHERE order_id = $1 ORDER BY id`, [
        orderId,
      ])
    ).map((r: { to_status: string }) => r.to_status);

  async function checkout(
    on: NestFastifyApplication,
    variantId: string,
    quantity: number,
    body: Record<string, unknown> = {},
    buyer?: TestUser,
  ) {
    const who = buyer ?? (await createUser(on));
    await on.inject({
      method: 'POST',
      url: '/api/v1/cart/items',
      headers: who.auth,
      payload: { variantId, quantity },
    });
    const res = await on.inject({
      method: 'POST',
      url: '/api/v1/checkout',
      headers: { ...who.auth, 'idempotency-key': `pay-${randomBytes(6).toString('hex')}` },
      payload: { shippingAddress: ADDRESS, ...body },
    });
    return { buyer: who, res, order: res.json() };
  }

  const postStripe = (webhook: { rawBody: Buffer; headers: Record<string, string> }) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/payments/stripe/webhook',
      headers: webhook.headers,
      payload: webhook.rawBody,
    });

  const postManual = (body: object, secret = MANUAL_SECRET) => {
    const raw = JSON.stringify(body);
    return app.inject({
      method: 'POST',
      url: '/api/v1/payments/manual/webhook',
      headers: {
        'content-type': 'application/json',
        [MANUAL_SIGNATURE_HEADER]: signManualWebhook(raw, secret),
      },
      payload: raw,
    });
  };

  it('refuses an unknown payment method (400) and changes nothing', async () => {
    const v = await variant(5);
    const { res } = await checkout(app, v, 1, { paymentMethod: 'paypal' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().errors).toEqual([
      { field: 'paymentMethod', message: 'must be one of manual, stripe' },
    ]);
    expect(await stockOf(v)).toBe(5);
  });

  describe('stripe', () => {
    it('checkout returns the client secret; a forged webhook is 400 and changes nothing; the signed succeeded event sent 10 times at once pays once: one transition, one invoice, one e-mail', async () => {
      const v = await variant(10);
      const { buyer, res, order } = await checkout(app, v, 2, { paymentMethod: 'stripe' });
      expect(res.statusCode).toBe(201);
      expect(order.payment).toMatchObject({
        provider: 'stripe',
        status: 'pending',
        amount: order.total,
        clientSecret: expect.stringMatching(/^pi_\w+_secret_\w+$/),
      });
      const intentId = order.payment.clientSecret.split('_secret_')[0] as string;
      // Our payment id is Stripe's idempotency key and the order id its metadata.
      const [created] = stripe
        .requestsTo('POST', '/v1/payment_intents')
        .filter((r) => (r.params.metadata as Record<string, string>)?.orderId === order.id);
      expect(created.idempotencyKey).toBe(`payment:${order.payment.id}`);
      expect(created.params.amount).toBe(String(order.total));

      await stripe.pay(intentId);
      const forged = await postStripe(
        signedStripeEvent(stripe, 'payment_intent.succeeded', intentId, {
          secret: 'whsec_forged',
        }),
      );
      expect(forged.statusCode).toBe(400);
      expect(forged.headers['content-type']).toContain('application/problem+json');
      expect(await statusOf(order.id)).toBe('awaiting_payment');
      expect(
        (await db.query(`SELECT count(*)::int AS n FROM payment_events`, []))[0].n,
      ).toBeGreaterThanOrEqual(0);
      expect(
        await db.query(`SELECT 1 FROM payment_events WHERE provider_reference = $1`, [intentId]),
      ).toEqual([]);

      const event = signedStripeEvent(stripe, 'payment_intent.succeeded', intentId);
      const answers = await Promise.all(Array.from({ length: 10 }, () => postStripe(event)));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
      const received = answers.map((a) => a.json().received as number);
      expect(received.reduce((a, b) => a + b, 0)).toBe(1);

      expect(await historyOf(order.id)).toEqual(['awaiting_payment', 'paid']);
      expect(await paymentOf(order.id)).toMatchObject({
        status: 'paid',
        paid_amount: order.total,
      });
      const confirmation = await sink.waitFor(buyer.email, 30_000, /confirmed/);
      expect(confirmation.parsed.attachments).toHaveLength(1);
      await settled(app, { orderId: order.id });
      expect(
        sink.to(buyer.email).filter((m) => /confirmed/.test(m.parsed.subject ?? '')),
      ).toHaveLength(1);
      expect(
        await db.query(`SELECT number FROM invoices WHERE order_id = $1`, [order.id]),
      ).toHaveLength(1);
      expect(await stockOf(v)).toBe(8);
    });

    it('a checkout replayed with its Idempotency-Key while its payment start is at Stripe waits for it and never calls Stripe again; later replays answer the same client secret', async () => {
      const v = await variant(5);
      const buyer = await createUser(app);
      await app.inject({
        method: 'POST',
        url: '/api/v1/cart/items',
        headers: buyer.auth,
        payload: { variantId: v, quantity: 1 },
      });
      const send = () =>
        app.inject({
          method: 'POST',
          url: '/api/v1/checkout',
          headers: { ...buyer.auth, 'idempotency-key': `replay-${buyer.email}` },
          payload: { shippingAddress: ADDRESS, paymentMethod: 'stripe' },
        });
      const intents = () => stripe.requestsTo('POST', '/v1/payment_intents');
      const before = intents().length;
      const hold = stripe.hold();
      let firstSent: ReturnType<typeof send> | undefined;
      let meanwhile: Awaited<ReturnType<typeof send>>[] = [];
      try {
        firstSent = send();
        // The order is committed and its PaymentIntent is being created: held at Stripe.
        await eventually(() => Promise.resolve(intents().length > before), {
          what: 'the first payment start to reach Stripe',
        });
        meanwhile = await Promise.all([send(), send(), send()]);
      } finally {
        hold.release();
      }
      // Replays during the start waited for it (no call of their own), then asked to retry.
      expect(intents().length - before).toBe(1);
      for (const replay of meanwhile) {
        expect(replay.statusCode).toBe(503);
        expect(replay.headers['retry-after']).toBe('1');
      }
      const first = await firstSent;
      expect(first.statusCode).toBe(201);
      const order = first.json();
      const replays = [await send(), ...(await Promise.all([send(), send()]))];
      for (const replay of replays) {
        expect(replay.statusCode).toBe(200);
        expect(replay.headers['idempotent-replayed']).toBe('true');
        expect(replay.json().id).toBe(order.id);
        expect(replay.json().payment.clientSecret).toBe(order.payment.clientSecret);
      }
      expect(intents().length - before).toBe(1);
      expect(
        stripe.requests.filter((r) => r.idempotencyKey === `payment:${order.payment.id}`),
      ).toHaveLength(1);
      expect(await stockOf(v)).toBe(4);
    });

    it('a payment confirmed after the order expired is refunded through Stripe automatically; the order stays expired and its stock back once', async () => {
      const v = await variant(10);
      const { buyer, order } = await checkout(short, v, 2, { paymentMethod: 'stripe' });
      expect(order.status).toBe('awaiting_payment');
      expect(await stockOf(v)).toBe(8);
      const intentId = order.payment.clientSecret.split('_secret_')[0] as string;

      // The window (2 s) passes; five sweeps at once expire it once.
      await eventually(async () => {
        await Promise.all(Array.from({ length: 5 }, () => payments.expireDue()));
        return (await statusOf(order.id)) === 'expired';
      });
      await Promise.all(Array.from({ length: 5 }, () => payments.expireDue()));
      expect(await historyOf(order.id)).toEqual(['awaiting_payment', 'expired']);
      expect(await stockOf(v)).toBe(10);
      expect(
        await db.query(
          `SELECT delta, reason FROM stock_movements WHERE order_id = $1 ORDER BY id`,
          [order.id],
        ),
      ).toEqual([
        { delta: -2, reason: 'order' },
        { delta: 2, reason: 'expiry' },
      ]);
      const expiredMail = await sink.waitFor(buyer.email, 30_000, /expired/);
      expect(expiredMail.parsed.text).toContain('has expired');

      // The buyer pays anyway: the money goes straight back.
      await stripe.pay(intentId);
      const late = await postStripe(
        signedStripeEvent(stripe, 'payment_intent.succeeded', intentId),
      );
      expect(late.statusCode).toBe(200);
      await eventually(async () => (await paymentOf(order.id)).status === 'refunded');
      expect(await statusOf(order.id)).toBe('expired');
      expect(await stockOf(v)).toBe(10);
      const refunds = await admin.refundsOf(order.id);
      expect(refunds).toEqual([
        expect.objectContaining({ amount: order.total, status: 'succeeded' }),
      ]);
      const atStripe = stripe.requestsTo('POST', '/v1/refunds');
      expect(atStripe.filter((r) => r.idempotencyKey === `refund:${refunds[0].id}`)).toHaveLength(
        1,
      );
      expect((await sink.waitFor(buyer.email, 30_000, /refund/)).parsed.text).toContain(
        'goes back to your original payment method',
      );
      // Never invoiced: it was never a sale.
      expect(await db.query(`SELECT 1 FROM invoices WHERE order_id = $1`, [order.id])).toEqual([]);
    });

    it('race: the succeeded webhook and the expiry of the same order at the same moment, 50 times: each order ends paid or expired and refunded, never both, never neither', async () => {
      const v = await variant(200);
      const placed: { id: string; total: number; payment: { clientSecret: string } }[] = [];
      const events: ReturnType<typeof signedStripeEvent>[] = [];
      for (let batch = 0; batch < 5; batch++) {
        const orders = await Promise.all(
          Array.from({ length: 10 }, async () => {
            const { order } = await checkout(short, v, 2, { paymentMethod: 'stripe' });
            const intentId = (order.payment.clientSecret as string).split('_secret_')[0];
            await stripe.pay(intentId);
            events.push(signedStripeEvent(stripe, 'payment_intent.succeeded', intentId));
            return order;
          }),
        );
        placed.push(...orders);
      }
      expect(await stockOf(v)).toBe(100);
      // Every window has passed: now both arrive together.
      await eventually(async () => {
        const [row] = await db.query(
          `SELECT count(*)::int AS n FROM payments
            WHERE order_id = ANY($1::uuid[]) AND expires_at > now()`,
          [placed.map((o) => o.id)],
        );
        return row.n === 0;
      });
      const answers = await Promise.all([
        ...events.map((e) => postStripe(e)),
        ...Array.from({ length: 10 }, () => payments.expireDue(10)),
      ]);
      for (const a of answers.slice(0, 50))
        expect((a as { statusCode: number }).statusCode).toBe(200);
      await payments.expireDue();

      let paid = 0;
      for (const order of placed) {
        const history = await historyOf(order.id);
        if (history.includes('paid')) {
          paid++;
          expect(history).toEqual(['awaiting_payment', 'paid']);
          expect(await admin.refundsOf(order.id)).toEqual([]);
        } else {
          expect(history).toEqual(['awaiting_payment', 'expired']);
          await eventually(async () => (await paymentOf(order.id)).status === 'refunded', {
            what: `the refund of ${order.id}`,
          });
          expect(await admin.refundsOf(order.id)).toEqual([
            expect.objectContaining({ amount: order.total, status: 'succeeded' }),
          ]);
        }
      }
      // Paid orders keep their stock; expired ones gave it back, once.
      expect(await stockOf(v)).toBe(200 - 2 * paid);
    }, 300_000);

    it('refunds a paid Stripe order through Stripe when an admin cancels it', async () => {
      const v = await variant(5);
      const { order } = await checkout(app, v, 1, { paymentMethod: 'stripe' });
      const intentId = order.payment.clientSecret.split('_secret_')[0] as string;
      await stripe.pay(intentId);
      await postStripe(signedStripeEvent(stripe, 'payment_intent.succeeded', intentId));
      const staff = await createUser(app, 'admin');
      const cancel = await app.inject({
        method: 'POST',
        url: `/api/v1/orders/${order.id}/cancel`,
        headers: staff.auth,
      });
      expect(cancel.json().status).toBe('cancelled');
      await eventually(async () => (await paymentOf(order.id)).status === 'refunded');
      expect(await stockOf(v)).toBe(5);
      const [refund] = await admin.refundsOf(order.id);
      expect(
        stripe
          .requestsTo('POST', '/v1/refunds')
          .filter((r) => r.idempotencyKey === `refund:${refund.id}`),
      ).toHaveLength(1);
    });
  });

  describe('manual', () => {
    it('a transfer recorded after expiry is kept on record and flagged for an admin; the order stays expired', async () => {
      const v = await variant(4);
      const { order } = await checkout(short, v, 1);
      await eventually(async () => {
        await payments.expireDue();
        return (await statusOf(order.id)) === 'expired';
      });
      const res = await admin.record(order.id, { amount: order.total, reference: 'Late' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'expired',
        payment: { status: 'refund_required', attention: 'late_payment', paidAmount: order.total },
      });
      expect(await stockOf(v)).toBe(4);
      // The admin pays it back by hand and records it: the flag clears.
      const back = await admin.refund(order.id, { reason: 'Paid after expiry' });
      expect(back.json()).toMatchObject({
        status: 'expired',
        payment: { status: 'refunded', attention: null },
      });
    });

    it('records an overpayment and flags it; a payment for a Stripe order is refused (422)', async () => {
      const v = await variant(4);
      const { order } = await checkout(app, v, 1);
      const res = await admin.record(order.id, { amount: order.total + 50, reference: 'Too much' });
      expect(res.json()).toMatchObject({
        status: 'paid',
        payment: { status: 'paid', paidAmount: order.total + 50, attention: 'overpaid' },
      });
      const card = await checkout(app, v, 1, { paymentMethod: 'stripe' });
      const refused = await admin.record(card.order.id, { amount: 100, reference: 'x' });
      expect(refused.statusCode).toBe(422);
      for (const body of [
        { amount: 0, reference: 'x' },
        { amount: 5 },
        { amount: 1.5, reference: 'x' },
      ]) {
        expect((await admin.record(order.id, body)).statusCode).toBe(400);
      }
    });

    it('takes signed bank notifications on its webhook: paid once however often sent; a bad signature is 400', async () => {
      const v = await variant(4);
      const { order } = await checkout(app, v, 1);
      const event = {
        id: `bank-${randomBytes(4).toString('hex')}`,
        type: 'payment.succeeded',
        reference: order.number,
        amount: order.total,
        currency: 'EUR',
      };
      expect((await postManual(event, 'another-secret-of-16+')).statusCode).toBe(400);
      expect(await statusOf(order.id)).toBe('awaiting_payment');
      const answers = await Promise.all(Array.from({ length: 5 }, () => postManual(event)));
      expect(answers.map((a) => a.statusCode)).toEqual(Array(5).fill(200));
      expect(await historyOf(order.id)).toEqual(['awaiting_payment', 'paid']);
      expect(await paymentOf(order.id)).toMatchObject({ paid_amount: order.total });
    });

    it('refunds partially then fully: partially_refunded then refunded, two credit notes adding up to the total, e-mails, 422 beyond', async () => {
      const v = await variant(4);
      const { buyer, order } = await checkout(app, v, 2);
      await admin.payInFull(order.id);
      await eventually(
        async () =>
          (await db.query(`SELECT 1 FROM invoices WHERE order_id = $1`, [order.id])).length > 0,
      );
      const partial = await admin.refund(order.id, { amount: 500, reason: 'Scratched' });
      expect(partial.statusCode).toBe(200);
      expect(partial.json()).toMatchObject({
        status: 'partially_refunded',
        payment: { status: 'partially_refunded', refundedAmount: 500 },
      });
      const beyond = await admin.refund(order.id, { amount: order.total, reason: 'Too much' });
      expect(beyond.statusCode).toBe(422);
      expect(beyond.json()).toMatchObject({ refundable: order.total - 500 });
      const rest = await admin.refund(order.id, { reason: 'Returned' });
      expect(rest.json()).toMatchObject({
        status: 'refunded',
        payment: { status: 'refunded', refundedAmount: order.total },
      });
      expect((await admin.refund(order.id, { reason: 'Again' })).statusCode).toBe(422);

      const notes = await eventually(async () => {
        const rows: { number: string; total: number }[] = await db.query(
          `SELECT number, total FROM invoices WHERE order_id = $1 AND kind = 'credit_note'`,
          [order.id],
        );
        return rows.length === 2 ? rows : undefined;
      });
      expect(notes.reduce((sum, n) => sum + n.total, 0)).toBe(-order.total);
      const mails = await eventually(() => {
        const found = sink.to(buyer.email).filter((m) => /refund/.test(m.parsed.subject ?? ''));
        return Promise.resolve(found.length === 2 ? found : undefined);
      });
      for (const mail of mails) {
        expect(mail.parsed.attachments).toHaveLength(1);
        expect(mail.parsed.attachments[0].filename).toMatch(/^CN-\d{4}-\d{6}\.pdf$/);
      }
      const shown = await app.inject({
        method: 'GET',
        url: `/api/v1/orders/${order.id}`,
        headers: buyer.auth,
      });
      expect(
        shown
          .json()
          .creditNotes.map((c: { amount: number }) => c.amount)
          .sort(),
      ).toEqual([500, order.total - 500].sort());
    });
  });

  it('lists orders by status for admins', async () => {
    const v = await variant(4);
    const { order } = await checkout(app, v, 1);
    const staff = await createUser(app, 'admin');
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/admin/orders?status=awaiting_payment&limit=100',
      headers: staff.auth,
    });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { id: string; status: string }[];
    expect(items.every((o) => o.status === 'awaiting_payment')).toBe(true);
    expect(items.map((o) => o.id)).toContain(order.id);
  });
});
