import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
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
    REDIS_PREFIX: prefix,
    MAIL_URL: sink.url,
    PAYMENT_EXPIRY_SWEEP_INTERVAL: '1',
  }));
  let app: NestFastifyApplication;
  let db: DataSource;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    app = await createTestApp();
    db = app.get(DataSource);
  });

  afterAll(async () => {
    await workers.killAll();
    await app?.close();
    await sink?.close();
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
});
