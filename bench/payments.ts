import { randomUUID } from 'node:crypto';
import { signManualWebhook } from '../src/modules/payments/providers/manual/manual-payment.provider';
import { BenchResult, latencyPercentiles } from './harness';
import { createBuyers, fillCarts, OrdersBenchContext, stockedVariants, withDb } from './orders';

/** The manual webhook's secret the bench API runs with (see benchEnv in run.ts). */
export const BENCH_MANUAL_WEBHOOK_SECRET = 'bench-manual-webhook-secret';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 2000);

export interface PlacedOrder {
  id: string;
  number: string;
  total: number;
}

/** `count` orders awaiting a manual payment, placed through the API's checkout. */
export async function placeOrders(ctx: OrdersBenchContext, count: number): Promise<PlacedOrder[]> {
  const { buyers, variants } = await withDb(ctx, async (db) => ({
    buyers: await createBuyers(ctx, db, count),
    variants: await stockedVariants(db, 50, 1_000_000),
  }));
  await fillCarts(ctx, buyers, (i) => [[variants[i % variants.length], 1]]);
  const orders: PlacedOrder[] = [];
  let next = 0;
  const worker = async () => {
    while (next < buyers.length) {
      const buyer = buyers[next++];
      const res = await fetch(`${ctx.baseUrl}/api/v1/checkout`, {
        method: 'POST',
        headers: {
          authorization: buyer.authorization,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: JSON.stringify({ paymentMethod: 'manual' }),
      });
      if (res.status !== 201) throw new Error(`bench checkout: ${res.status}`);
      orders.push((await res.json()) as PlacedOrder);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return orders;
}

/** POSTs a signed manual `payment.succeeded` paying `order` in full; resolves to the status. */
export async function payByWebhook(baseUrl: string, order: PlacedOrder): Promise<number> {
  const body = JSON.stringify({
    id: `bench-${randomUUID()}`,
    type: 'payment.succeeded',
    reference: order.number,
    amount: order.total,
    currency: 'EUR',
  });
  const res = await fetch(`${baseUrl}/api/v1/payments/manual/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-payment-signature': signManualWebhook(body, BENCH_MANUAL_WEBHOOK_SECRET),
    },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * Webhook events per second on one API process: BENCH_WEBHOOK_EVENTS (default 2000) signed
 * manual `payment.succeeded` events, each paying its own order (verify, store the event, lock
 * the order, pay it, write the invoice job), sent by CONNECTIONS virtual users.
 */
export async function webhookEvents(ctx: OrdersBenchContext): Promise<BenchResult> {
  const orders = await placeOrders(ctx, EVENTS);
  // The CPU per event is the webhooks' alone, not that of the checkouts placing their orders.
  await ctx.measureFromHere();
  const latencies: number[] = [];
  let next = 0;
  let non2xx = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < orders.length) {
      const order = orders[next++];
      const t0 = performance.now();
      const status = await payByWebhook(ctx.baseUrl, order);
      latencies.push(performance.now() - t0);
      if (status !== 200) non2xx++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const elapsed = (performance.now() - started) / 1000;
  return {
    scenario: `POST /payments/manual/webhook (each event pays an order) [events/s]`,
    connections: CONNECTIONS,
    durationSeconds: Math.round(elapsed * 10) / 10,
    requestsPerSecond: Math.round(orders.length / elapsed),
    ...latencyPercentiles(latencies),
    non2xx,
    errors: 0,
  };
}
