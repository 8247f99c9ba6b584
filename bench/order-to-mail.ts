import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmtpSink } from '../test/support/smtp-sink';
import { BenchResult, latencyPercentiles, markOutboxSettled, ROOT } from './harness';
import { createBuyers, fillCarts, OrdersBenchContext, stockedVariants, withDb } from './orders';
import { payByWebhook, PlacedOrder } from './payments';

const ORDERS = Number(process.env.BENCH_FLOW_ORDERS ?? 150);
/** Checkouts per second, below one worker's capacity: the latency of an order, not a backlog. */
const RATE = Number(process.env.BENCH_FLOW_RATE ?? 5);

/**
 * Payment webhook → paid → confirmation e-mail accepted by SMTP, through the real path: each
 * order is placed through the API's checkout and paid at once by a signed manual webhook; the
 * webhook's transaction writes the invoice job to the outbox, one built worker
 * (`dist/worker.js`, default concurrency) relays it, issues the invoice PDF, queues and sends
 * the e-mail with the PDF attached to a loopback SMTP server. Latency per order = the
 * confirmation's arrival at the server minus the moment the webhook was sent. Orders arrive at
 * a steady `BENCH_FLOW_RATE` per second (default 5), below what one worker sustains, so the
 * figure is the pipeline's latency rather than a queue's length.
 */
export async function orderToMail(
  ctx: OrdersBenchContext & { env: Record<string, string> },
): Promise<BenchResult> {
  await markOutboxSettled(ctx.databaseUrl);
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
    const paidAt = new Map<string, number>();
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
      if (res.status !== 201) {
        errors++;
        return;
      }
      // The money arrives at once (a signed bank notification): the clock starts here.
      const order = (await res.json()) as PlacedOrder;
      paidAt.set(order.id, Date.now());
      if ((await payByWebhook(ctx.baseUrl, order)) === 200) orderIds.push(order.id);
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
    // Each buyer also gets the "how to pay" message (no attachment); count confirmations.
    const confirmations = () => sink.messages.filter((m) => m.parsed.attachments.length === 1);
    while (confirmations().length < expected) {
      if (Date.now() > deadline)
        throw new Error(`only ${confirmations().length}/${expected} mails`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Math.max(...confirmations().map((m) => m.receivedAt)) - started) / 1000;
    const paidAtOf = await withDb(ctx, async (db) => {
      const { rows } = await db.query<{ email: string; id: string }>(
        `SELECT u.email, o.id FROM orders o JOIN users u ON u.id = o.user_id
          WHERE o.id = ANY($1::uuid[])`,
        [orderIds],
      );
      return new Map(rows.map((r) => [r.email, paidAt.get(r.id)!]));
    });
    const latencies = confirmations()
      .filter((m) => paidAtOf.has(m.to[0]))
      .map((m) => m.receivedAt - paidAtOf.get(m.to[0])!);

    if (latencies.length !== orderIds.length) {
      throw new Error(`${latencies.length} confirmations with a PDF for ${orderIds.length} orders`);
    }
    return {
      scenario: `payment webhook → paid → invoice → e-mail accepted, ${orderIds.length} orders at ${RATE}/s, 1 worker (latency ms)`,
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
