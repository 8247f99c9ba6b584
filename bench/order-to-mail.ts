import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '../test/support/smtp-sink';
import { BenchResult, latencyPercentiles, markOutboxRelayed, ROOT } from './harness';
import { createBuyers, fillCarts, OrdersBenchContext, stockedVariants, withDb } from './orders';

const ORDERS = Number(process.env.BENCH_FLOW_ORDERS ?? 150);
/** Checkouts per second, below one worker's capacity: the latency of an order, not a backlog. */
const RATE = Number(process.env.BENCH_FLOW_RATE ?? 5);

/**
 * Checkout commit → confirmation e-mail accepted by SMTP, through the real path: the API's
 * checkout writes the outbox row, one built worker (`dist/worker.js`, default concurrency)
 * relays it, issues the invoice PDF, queues and sends the e-mail with the PDF attached to a
 * loopback SMTP server. Latency per order = the message's arrival at the server minus the
 * order row's `created_at` (taken inside the checkout transaction, just before its commit).
 * Checkouts arrive at a steady `BENCH_FLOW_RATE` per second (default 5), below what one
 * worker sustains, so the figure is the pipeline's latency rather than a queue's length.
 */
export async function orderToMail(
  ctx: OrdersBenchContext & { env: Record<string, string> },
): Promise<BenchResult> {
  await markOutboxRelayed(ctx.databaseUrl);
  const { buyers, variants } = await withDb(ctx, async (db) => ({
    buyers: await createBuyers(ctx, db, ORDERS),
    variants: await stockedVariants(db, 50, 1_000_000),
  }));
  await fillCarts(ctx, buyers, (i) => [[variants[i % variants.length], 1 + (i % 3)]]);
  const sink = await SmtpSink.start();
  const invoiceDir = mkdtempSync(join(tmpdir(), 'bench-flow-invoices-'));
  const worker = spawn(process.execPath, [join(ROOT, 'dist', 'worker.js')], {
    cwd: ROOT,
    env: { ...process.env, ...ctx.env, MAIL_URL: sink.url, INVOICE_DIR: invoiceDir },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const orderIds: string[] = [];
    let errors = 0;
    const checkoutOf = async (buyer: (typeof buyers)[number]) => {
      const res = await fetch(`${ctx.baseUrl}/api/v1/checkout`, {
        method: 'POST',
        headers: {
          authorization: buyer.authorization,
          'content-type': 'application/json',
          'idempotency-key': randomUUID(),
        },
        body: '{}',
      });
      if (res.status === 201) orderIds.push(((await res.json()) as { id: string }).id);
      else errors++;
    };
    const started = Date.now();
    const inFlight: Promise<void>[] = [];
    for (const [i, buyer] of buyers.entries()) {
      const due = started + (i * 1000) / RATE;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      inFlight.push(checkoutOf(buyer));
    }
    await Promise.all(inFlight);
    const expected = orderIds.length;
    const deadline = Date.now() + 300_000;
    while (sink.messages.length < expected) {
      if (Date.now() > deadline) throw new Error(`only ${sink.messages.length}/${expected} mails`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Math.max(...sink.messages.map((m) => m.receivedAt)) - started) / 1000;
    const placedAt = await withDb(ctx, async (db) => {
      const { rows } = await db.query<{ email: string; at: Date }>(
        `SELECT u.email, o.created_at AS at FROM orders o JOIN users u ON u.id = o.user_id
          WHERE o.id = ANY($1::uuid[])`,
        [orderIds],
      );
      return new Map(rows.map((r) => [r.email, r.at.getTime()]));
    });
    const latencies = sink.messages
      .filter((m) => m.parsed.attachments.length === 1 && placedAt.has(m.to[0]))
      .map((m) => m.receivedAt - placedAt.get(m.to[0])!);

    if (latencies.length !== orderIds.length) {
      throw new Error(`${latencies.length} confirmations with a PDF for ${orderIds.length} orders`);
    }
    return {
      scenario: `checkout commit → invoice → e-mail accepted, ${orderIds.length} orders at ${RATE}/s, 1 worker (latency ms)`,
      connections: 1,
      durationSeconds: Math.round(seconds * 10) / 10,
      requestsPerSecond: Math.round((orderIds.length / seconds) * 10) / 10,
      ...latencyPercentiles(latencies),
      non2xx: errors,
      errors: sink.attempts - sink.messages.length,
    };
  } finally {
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.kill('SIGTERM');
    });
    await sink.close();
    rmSync(invoiceDir, { recursive: true, force: true });
  }
}
