import Bull from 'bull';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TDocumentDefinitions } from 'pdfmake/interfaces';
import { loadStoreConfig } from '../src/config/store.config';
import { loadQueueConfig } from '../src/config/queue.config';
import { loadRedisConfig } from '../src/config/redis.config';
import {
  buildInvoiceDocument,
  InvoiceDocumentInput,
  InvoiceLine,
} from '../src/modules/invoices/invoice-document';
import { PdfRenderer, renderNaively } from '../src/modules/invoices/pdf-renderer';
import { jobMessages, QUEUES } from '../src/modules/queues/queue-names';
import { BenchResult, latencyPercentiles, markOutboxSettled, profiling, ROOT } from './harness';

/** The same three-line order for the bare loop and (as rows) for the jobs. */
const LINES: InvoiceLine[] = (
  [
    { sku: 'TEE-M-RED', title: 'Cotton tee', options: { size: 'M' }, unitPrice: 1250, quantity: 2 },
    { sku: 'MUG-01', title: 'Stoneware mug', options: {}, unitPrice: 999, quantity: 1 },
    { sku: 'SOCK-3P', title: 'Wool socks, 3 pairs', options: {}, unitPrice: 1590, quantity: 3 },
  ] as Omit<InvoiceLine, 'lineTotal'>[]
).map((l) => ({ ...l, lineTotal: l.unitPrice * l.quantity }));
const SUBTOTAL = LINES.reduce((s, l) => s + l.lineTotal, 0);
const TAX = Math.round(SUBTOTAL * 0.2);
const ADDRESS = { line1: '1 Bench Road', city: 'Berlin', postalCode: '10115', country: 'DE' };

function result(scenario: string, perSecond: number, latencies: number[], errors = 0): BenchResult {
  return {
    scenario,
    connections: 1,
    durationSeconds: 0,
    requestsPerSecond: Math.round(perSecond * 10) / 10,
    ...latencyPercentiles(latencies),
    non2xx: 0,
    errors,
  };
}

const INPUT: InvoiceDocumentInput = {
  kind: 'invoice',
  number: 'INV-2026-000001',
  issuedAt: new Date(),
  order: {
    number: 'SO-2026-000001',
    placedAt: new Date(),
    currency: 'EUR',
    subtotal: SUBTOTAL,
    tax: TAX,
    taxRateBps: 2000,
    shipping: 0,
    total: SUBTOTAL + TAX,
    buyerName: 'Bench Buyer',
    buyerEmail: 'bench@shop.local',
    shippingAddress: ADDRESS,
    lines: LINES,
  },
};

/**
 * (a) pdfmake alone, building and rendering the same document `n` times in a row on one
 * core: `naive` as pdfmake is used out of the box (a new printer per document, fonts read and
 * parsed each time; the loop the target is set against), `shared` with the API's renderer
 * (fonts parsed once per process).
 */
async function bareRender(n: number, mode: 'naive' | 'shared'): Promise<BenchResult> {
  const renderer = new PdfRenderer();
  const render = mode === 'naive' ? renderNaively : (d: TDocumentDefinitions) => renderer.render(d);
  const seller = loadStoreConfig({}).seller;
  for (let i = 0; i < 5; i++) await render(buildInvoiceDocument(INPUT, seller));
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await render(buildInvoiceDocument(INPUT, seller));
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  const label = mode === 'naive' ? 'naive (new printer per PDF)' : 'fonts parsed once';
  return result(`invoices: bare pdfmake render, ${label}, n=${n}`, n / seconds, latencies);
}

/** `n` paid orders written straight into the tables (a seeded user and shop; no stock taken). */
async function insertOrders(db: Client, n: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH buyer AS (SELECT id, name, email FROM users ORDER BY created_at LIMIT 1),
          made AS (
            INSERT INTO orders (number, user_id, status, currency, subtotal, tax, tax_rate_bps,
                                shipping, total, buyer_name, buyer_email, shipping_address)
            SELECT 'SO-B-' || nextval('order_number_seq'), buyer.id, 'paid', 'EUR', $2, $3, 2000,
                   0, $2::int + $3::int, buyer.name, buyer.email, $4::jsonb
              FROM buyer, generate_series(1, $1)
            RETURNING id, user_id),
          -- Only a paid order gets an invoice: its history says it was paid.
          history AS (
            INSERT INTO order_status_history (order_id, from_status, to_status, actor_id)
            SELECT id, 'awaiting_payment', 'paid', user_id FROM made)
     SELECT id FROM made`,
    [n, SUBTOTAL, TAX, JSON.stringify(ADDRESS)],
  );
  const ids = rows.map((r) => r.id);
  await db.query(
    `INSERT INTO order_items (order_id, position, shop_id, sku, title, options, unit_price,
                              quantity, line_total)
     SELECT o.id, l.position, (SELECT id FROM shops LIMIT 1), l.sku, l.title, l.options,
            l.unit_price, l.quantity, l.line_total
       FROM unnest($1::uuid[]) AS o(id),
            jsonb_to_recordset($2::jsonb) AS l(position int, sku text, title text, options jsonb,
                                               unit_price int, quantity int, line_total int)`,
    [
      ids,
      JSON.stringify(
        LINES.map((l, position) => ({
          position,
          sku: l.sku,
          title: l.title,
          options: l.options,
          unit_price: l.unitPrice,
          quantity: l.quantity,
          line_total: l.lineTotal,
        })),
      ),
    ],
  );
  return ids;
}

async function enqueueAll(queue: Bull.Queue, orderIds: string[]): Promise<Bull.Job[]> {
  return Promise.all(
    orderIds.map((id) => {
      const m = jobMessages.invoice(id);
      return queue.add(m.name, m.payload, { jobId: m.jobId, attempts: 3 });
    }),
  );
}

/**
 * (b) One worker process (`dist/worker.js`, as in production) takes `n` invoice jobs queued
 * at once: invoices/s from the enqueue to the last job done (row, PDF file, confirmation
 * outbox row), and each job's latency from enqueue to done.
 */
async function workerRate(env: Record<string, string>, n: number): Promise<BenchResult> {
  const invoiceDir = mkdtempSync(join(tmpdir(), 'bench-invoices-'));
  const prefix = `${env.REDIS_PREFIX}_invoices`;
  const db = new Client({ connectionString: env.DATABASE_URL });
  await db.connect();
  const queue = new Bull(QUEUES.invoices, {
    prefix: `${prefix}:bull`,
    redis: loadRedisConfig().url,
  });
  let worker: ChildProcess | undefined;
  try {
    await markOutboxSettled(env.DATABASE_URL);
    // A dedicated invoice worker: the confirmation e-mails its jobs queue are not its work.
    worker = spawn(
      process.execPath,
      [...profiling('BENCH_WORKER_CPU_PROF'), join(ROOT, 'dist', 'worker.js')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          ...env,
          REDIS_PREFIX: prefix,
          INVOICE_DIR: invoiceDir,
          WORKER_QUEUES: 'invoices',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    // Warm-up: the worker is up and has rendered once when this job is done.
    const warm = await enqueueAll(queue, await insertOrders(db, 3));
    await Promise.all(warm.map((j) => j.finished()));

    const orderIds = await insertOrders(db, n);
    const started = Date.now();
    const jobs = await enqueueAll(queue, orderIds);
    const settled = await Promise.allSettled(jobs.map((j) => j.finished()));
    const seconds = (Date.now() - started) / 1000;
    const failed = settled.filter((s) => s.status === 'rejected').length;

    const done = await Promise.all(jobs.map((j) => queue.getJob(j.id)));
    const latencies = done.map((j) => (j?.finishedOn ?? 0) - (j?.timestamp ?? 0));
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM invoices WHERE order_id = ANY($1::uuid[])`,
      [orderIds],
    );
    if (rows[0].n !== n) throw new Error(`expected ${n} invoices, found ${rows[0].n}`);
    const concurrency =
      env.WORKER_CONCURRENCY ??
      process.env.WORKER_CONCURRENCY ??
      String(loadQueueConfig({}).concurrency);
    return result(
      `invoices: jobs, 1 worker (concurrency ${concurrency}), n=${n}`,
      n / seconds,
      latencies,
      failed,
    );
  } finally {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker!.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    await db.end();
    rmSync(invoiceDir, { recursive: true, force: true });
  }
}

/** All measures in one run, with the ratio the target is set on (jobs ≥ 1.5 × naive). */
export async function invoiceScenarios(env: Record<string, string>): Promise<BenchResult[]> {
  const n = Number(process.env.BENCH_INVOICES ?? 200);
  const naive = await bareRender(n, 'naive');
  const shared = await bareRender(n, 'shared');
  const jobs = await workerRate(env, n);
  const ratio = jobs.requestsPerSecond / naive.requestsPerSecond;
  process.stdout.write(
    `invoices: naive ${naive.requestsPerSecond} PDFs/s, fonts once ${shared.requestsPerSecond} ` +
      `PDFs/s, jobs ${jobs.requestsPerSecond} invoices/s, ratio jobs/naive ${ratio.toFixed(2)} ` +
      `(target ≥ 1.50 and ≥ 60/s)\n`,
  );
  return [naive, shared, jobs];
}
