import { NestFastifyApplication } from '@nestjs/platform-fastify';
import Bull from 'bull';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { DataSource } from 'typeorm';
import { storageConfig, StorageConfig } from '../src/config';
import { loadRedisConfig } from '../src/config/redis.config';
import { jobMessages, QUEUES } from '../src/modules/queues/queue-names';
import { expectGaplessNumbering, invoicesOf } from './support/invoices';
import { enqueue, eventually } from './support/jobs';
import { insertOrdersOfNewBuyer } from './support/orders-fixture';
import { createTestApp } from './support/test-app';
import { exited, WorkerProcesses } from './support/worker-processes';

/**
 * Real worker processes (`src/worker.ts`), one of them killed with SIGKILL in the middle of
 * its invoice jobs. They use a Redis prefix of their own, so that no processor of another
 * suite takes these jobs.
 */
describe('invoice jobs survive a worker killed with SIGKILL', () => {
  const redis = loadRedisConfig();
  const prefix = `${redis.prefix}_crash`;
  const workers = new WorkerProcesses(() => ({ REDIS_PREFIX: prefix, WORKER_CONCURRENCY: '2' }));
  let app: NestFastifyApplication;
  let db: DataSource;
  let queue: Bull.Queue;
  const startWorker = () => workers.start();

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    queue = new Bull(QUEUES.invoices, { prefix: `${prefix}:bull`, redis: redis.url });
  });

  // A test that fails midway must not leave its worker taking the next test's jobs.
  afterEach(() => workers.killAll());

  afterAll(async () => {
    await workers.killAll();
    await queue.obliterate({ force: true });
    await queue.close();
    await app.close();
  });

  it('re-runs the killed jobs: every order gets exactly one invoice and one file, no gap', async () => {
    const { orders } = await insertOrdersOfNewBuyer(app, 20, 'paid');
    const ids = orders.map((o) => o.id);
    for (const id of ids) {
      await enqueue(queue, jobMessages.invoice(id));
    }

    const first = startWorker();
    await eventually(async () => (await invoicesOf(db, ids)).length > 0, {
      what: 'the first invoice',
      timeoutMs: 120_000,
      everyMs: 50,
    });
    first.kill('SIGKILL');
    await exited(first);
    expect(first.signalCode).toBe('SIGKILL');

    // The dead worker still holds jobs in the active list, and not all invoices exist.
    expect(await queue.getActiveCount()).toBeGreaterThan(0);
    expect((await invoicesOf(db, ids)).length).toBeLessThan(20);

    const second = startWorker();
    let counts: Bull.JobCounts | undefined;
    await eventually(
      async () => {
        counts = await queue.getJobCounts();
        return counts.completed === 20;
      },
      {
        what: () => `every job completed (now ${JSON.stringify(counts)})`,
        timeoutMs: 120_000,
        everyMs: 50,
      },
    );
    second.kill('SIGTERM');
    await exited(second);

    const rows = await invoicesOf(db, ids);
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((r) => r.order_id)).size).toBe(20);
    expect(new Set(rows.map((r) => r.sequence)).size).toBe(20);
    await expectGaplessNumbering(db);
    const invoiceDir = app.get<StorageConfig>(storageConfig.KEY).invoiceDir;
    for (const row of rows) {
      expect((await stat(join(invoiceDir, row.file_path))).size).toBeGreaterThan(1000);
    }
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM outbox WHERE job_id = ANY($1::text[])`,
      [ids.map((id) => jobMessages.orderConfirmation(id).jobId)],
    );
    expect(n).toBe(20);
    expect(await queue.getFailedCount()).toBe(0);
  }, 300000);

  it('removes the temporary file of a job killed between writing its PDF and renaming it when that job is retried', async () => {
    const { orders } = await insertOrdersOfNewBuyer(app, 1, 'paid');
    const [id] = orders.map((o) => o.id);
    const message = jobMessages.invoice(id);
    await enqueue(queue, message);

    // A worker whose PDF renames never happen: it announces the temp file it wrote, then waits.
    const { child: held, holding: temp } = await workers.startHolding(
      join(__dirname, 'support', 'rename-holding-worker.ts'),
    );
    expect((await stat(temp)).isFile()).toBe(true);
    held.kill('SIGKILL');
    await exited(held);
    const [invoice] = await invoicesOf(db, [id]);
    const pdf = join(dirname(temp), basename(invoice.file_path));
    await expect(stat(pdf)).rejects.toThrow();

    const retrying = startWorker();
    await eventually(
      async () => (await (await queue.getJob(message.jobId))?.getState()) === 'completed',
      {
        what: 'the retried invoice job',
        timeoutMs: 120_000,
        everyMs: 50,
      },
    );
    retrying.kill('SIGTERM');
    await exited(retrying);

    expect((await stat(pdf)).size).toBeGreaterThan(1000);
    const temps = (await readdir(dirname(temp))).filter((name) =>
      name.startsWith(`.${basename(pdf)}.`),
    );
    expect(temps).toEqual([]);
  }, 300000);
});
