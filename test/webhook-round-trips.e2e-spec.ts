import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { paymentConfig } from '../src/config';
import { loadPaymentConfig } from '../src/config/payment.config';
import {
  MANUAL_SIGNATURE_HEADER,
  signManualWebhook,
} from '../src/modules/payments/providers/manual/manual-payment.provider';
import { createBuyers } from './support/buyers';
import { createMerchant, createProduct } from './support/catalog';
import { countParses, countRedisCommands, countRoundTrips } from './support/round-trips';
import { addToCart, postCheckout } from './support/checkout';
import { createTestApp } from './support/test-app';

const SECRET = 'round-trip-webhook-secret';
const ADDRESS = { line1: '1 Buyer Road', city: 'Berlin', postalCode: '10115', country: 'DE' };

/**
 * What one signed manual webhook costs: it pays an order (event stored, order locked, receipt,
 * payment, transition with its history row, invoice job in the outbox), and its duplicate does
 * nothing. Counted deterministically, unlike a rate.
 */
describe('payment webhook round trips', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({
      overrides: [[paymentConfig.KEY, { ...loadPaymentConfig(), manualWebhookSecret: SECRET }]],
    });
  });
  afterAll(() => app.close());

  async function placeOrder(): Promise<{ id: string; number: string; total: number }> {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, { variants: [{ price: 1250, stock: 5 }] });
    const [buyer] = await createBuyers(app, 1, { address: ADDRESS });
    expect((await addToCart(app, buyer, product.variants[0].id, 2)).statusCode).toBe(200);
    const res = await postCheckout(app, buyer, { paymentMethod: 'manual' });
    expect(res.statusCode).toBe(201);
    return res.json();
  }

  const post = (raw: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/payments/manual/webhook',
      headers: {
        'content-type': 'application/json',
        [MANUAL_SIGNATURE_HEADER]: signManualWebhook(raw, SECRET),
      },
      payload: raw,
    });

  const payment = (order: { number: string; total: number }) =>
    JSON.stringify({
      id: `evt-${randomUUID()}`,
      type: 'payment.succeeded',
      reference: order.number,
      amount: order.total,
      currency: 'EUR',
    });

  it('has PostgreSQL parse and plan its statements once per connection: a second paying webhook sends none to parse', async () => {
    const [first, second] = [await placeOrder(), await placeOrder()];
    expect((await post(payment(first))).json()).toEqual({ received: 1, duplicates: 0 });
    const parses = countParses(app);
    expect((await post(payment(second))).json()).toEqual({ received: 1, duplicates: 0 });
    expect(parses.count()).toBe(0);
  });

  it('pays an order in 5 round trips to PostgreSQL (11, then 6 before) and none to Redis; its duplicate costs 3', async () => {
    const order = await placeOrder();
    const raw = payment(order);
    const trips = countRoundTrips(app);
    const commands = countRedisCommands(app);

    const paid = await post(raw);
    expect(paid.statusCode).toBe(200);
    expect(paid.json()).toEqual({ received: 1, duplicates: 0 });
    const payTrips = trips.count();
    const payCommands = commands.count();

    const again = await post(raw);
    expect(again.json()).toEqual({ received: 0, duplicates: 1 });
    const duplicateTrips = trips.count() - payTrips;

    const db = app.get(DataSource);
    const [state] = await db.query(
      `SELECT o.status, p.status AS payment, p.paid_amount,
              (SELECT count(*)::int FROM outbox WHERE job_id = 'invoice.' || o.id) AS invoice_jobs,
              (SELECT count(*)::int FROM payment_receipts WHERE payment_id = p.id) AS receipts
         FROM orders o JOIN payments p ON p.order_id = o.id WHERE o.id = $1`,
      [order.id],
    );
    expect(state).toEqual({
      status: 'paid',
      payment: 'paid',
      paid_amount: order.total,
      invoice_jobs: 1,
      receipts: 1,
    });
    expect({ payTrips, payCommands, duplicateTrips }).toEqual({
      payTrips: 5,
      payCommands: 0,
      duplicateTrips: 3,
    });
  });
});
