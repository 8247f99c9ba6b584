import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TestingModule } from '@nestjs/testing';
import Bull from 'bull';
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { redisConfig } from '../src/config';
import { loadRedisConfig } from '../src/config/redis.config';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { jobMessages, QUEUES } from '../src/modules/queues/queue-names';
import { expectGaplessNumbering, invoicesOf } from './support/invoices';
import { eventually, outboxRows, queueConfigWith, startContext } from './support/jobs';
import { insertOrdersOfNewBuyer } from './support/orders-fixture';
import { SmtpSink } from './support/smtp-sink';
import { createTestApp } from './support/test-app';
import { ThrowawayRedis } from './support/throwaway-redis';

const ROOT = join(__dirname, '..');

/**
 * Redis loses everything (a server without persistence restarted) after 20 orders' invoice
 * jobs were handed over and before any worker took them. The outbox rows are relayed but not
 * settled, so a real worker process (`src/worker.ts`) hands them over again: every order ends
 * with one invoice and one confirmation e-mail, numbers gapless. A throwaway redis-server of
 * this test's own stands in for production's: the shared Redis is never flushed.
 */
describe('jobs survive a Redis that lost its data', () => {
  const prefix = `${loadRedisConfig().prefix}_loss`;
  let redis: ThrowawayRedis;
  let sink: SmtpSink;
  let app: NestFastifyApplication;
  let db: DataSource;
  let worker: ChildProcess | undefined;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    sink = await SmtpSink.start();
    app = await createTestApp();
    db = app.get(DataSource);
  });

  afterAll(async () => {
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker!.once('exit', resolve));
      worker.kill('SIGKILL');
      await exited;
    }
    await app.close();
    await sink.close();
    await redis.stop();
  });

  const redisOverride = (): [symbol | string, unknown] => [
    redisConfig.KEY,
    { url: redis.url, prefix },
  ];

  it('hands the lost jobs over again: one invoice and one confirmation per order, gapless', async () => {
    const { orders } = await insertOrdersOfNewBuyer(app, 20, 'paid');
    const ids = orders.map((o) => o.id);
    const messages = ids.map((id) => jobMessages.invoice(id));
    await db.transaction((manager) => app.get(OutboxService).add(manager, messages));

    // A relay (no processors) hands the 20 jobs over to the throwaway Redis.
    const relay: TestingModule = await startContext({
      relay: true,
      overrides: [redisOverride(), queueConfigWith({ pollMs: 100 })],
    });
    try {
      await eventually(
        async () =>
          (
            await outboxRows(
              db,
              messages.map((m) => m.jobId),
            )
          ).every((row) => row.relayed),
        { what: 'the 20 rows relayed' },
      );
    } finally {
      await relay.close();
    }
    const queue = new Bull(QUEUES.invoices, { prefix: `${prefix}:bull`, redis: redis.url });
    try {
      // Rows other suites left in the shared test database may be handed over too: count ours.
      const ours = new Set(messages.map((m) => m.jobId));
      const waiting = await queue.getWaiting();
      expect(waiting.filter((job) => ours.has(String(job.id)))).toHaveLength(20);
      // Redis restarts empty: the jobs are gone, the rows still say relayed.
      await redis.restartEmpty();
      expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, active: 0, completed: 0 });
    } finally {
      await queue.close();
    }

    worker = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'worker.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          REDIS_PREFIX: prefix,
          MAIL_URL: sink.url,
          OUTBOX_POLL_MS: '200',
          OUTBOX_REDELIVER_AFTER_MS: '1000',
          JOB_BACKOFF_MS: '200',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const numbers = orders.map((o) => o.number);
    const confirmations = () =>
      sink.messages.filter((m) => numbers.some((n) => m.parsed.subject === `Order ${n} confirmed`));
    await eventually(() => Promise.resolve(confirmations().length >= 20), {
      what: 'a confirmation e-mail for every order',
      timeoutMs: 180_000,
      everyMs: 250,
    });

    const invoices = await invoicesOf(db, ids);
    expect(invoices).toHaveLength(20);
    expect(new Set(invoices.map((r) => r.order_id)).size).toBe(20);
    await expectGaplessNumbering(db);
    // One e-mail per order, each with the invoice attached.
    const subjects = confirmations().map((m) => m.parsed.subject);
    expect(subjects.sort()).toEqual(numbers.map((n) => `Order ${n} confirmed`).sort());
    for (const m of confirmations()) expect(m.parsed.attachments).toHaveLength(1);
    // Every job's row is settled once its work is done.
    await eventually(
      async () =>
        (
          await db.query(
            `SELECT count(*)::int AS n FROM outbox
              WHERE job_id = ANY($1::text[]) AND settled_at IS NOT NULL`,
            [
              [...messages, ...ids.map((id) => jobMessages.orderConfirmation(id))].map(
                (m) => m.jobId,
              ),
            ],
          )
        )[0].n === 40,
      { what: 'the 40 rows settled' },
    );
  }, 300_000);
});
