import { scrapeMetrics } from './support/metrics';
import { getQueueToken } from '@nestjs/bull';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import Bull, { Queue } from 'bull';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { databaseConfig, mailConfig, queueConfig, redisConfig } from '../src/config';
import { loadDatabaseConfig } from '../src/config/database.config';
import { loadMailConfig } from '../src/config/mail.config';
import { loadQueueConfig } from '../src/config/queue.config';
import { loadRedisConfig } from '../src/config/redis.config';
import { InvoicesService } from '../src/modules/invoices/invoices.service';
import { jobMessages, QUEUES } from '../src/modules/queues/queue-names';
import { ProcessorsModule } from '../src/worker.module';
import { enqueue, eventually, settledJob } from './support/jobs';
import { insertOrdersOfNewBuyer } from './support/orders-fixture';
import { SmtpSink } from './support/smtp-sink';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp } from './support/test-app';
import { createUser } from './support/users';

const ROOT = join(__dirname, '..');

const mailLog = async (db: DataSource, eventKey: string) =>
  (
    await db.query(
      `SELECT status, attempts, unknown_outcomes, provider_message_id, last_error
         FROM mail_log WHERE event_key = $1`,
      [eventKey],
    )
  )[0] as
    | {
        status: string;
        attempts: number;
        unknown_outcomes: number;
        provider_message_id: string;
        last_error: string | null;
      }
    | undefined;

/**
 * A worker process (`src/worker.ts`) SIGKILLed inside the SMTP exchange of an order
 * confirmation: the test SMTP server holds its reply to DATA, the worker dies, the server then
 * accepts the message anyway (as a real one may). The confirmation is at-least-once: the next
 * worker sends it again with the same Message-ID, and the metrics count the unknown outcome.
 */
describe('a worker killed inside the SMTP exchange', () => {
  const redis = loadRedisConfig();
  const prefix = `${redis.prefix}_smtpkill`;
  const workers: ChildProcess[] = [];
  let sink: SmtpSink;
  let app: NestFastifyApplication;
  let db: DataSource;

  const exited = (child: ChildProcess) =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));

  function startWorker(): ChildProcess {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'worker.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          REDIS_PREFIX: prefix,
          MAIL_URL: sink.url,
          WORKER_QUEUES: 'mail',
          OUTBOX_POLL_MS: '200',
          // A dead worker's job is found again within a few seconds.
          JOB_LOCK_DURATION_MS: '2000',
          JOB_STALLED_INTERVAL_MS: '500',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    workers.push(child);
    return child;
  }

  beforeAll(async () => {
    sink = await SmtpSink.start();
    app = await createTestApp();
    db = app.get(DataSource);
  });

  afterAll(async () => {
    for (const child of workers) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    for (const name of [QUEUES.mail, QUEUES.invoices]) {
      const queue = new Bull(name, { prefix: `${prefix}:bull`, redis: redis.url });
      await queue.obliterate({ force: true });
      await queue.close();
    }
    await app.close();
    await sink.close();
  });

  it('delivers the confirmation once or twice, always with the same Message-ID, and the metrics show it', async () => {
    const { buyer, orders } = await insertOrdersOfNewBuyer(app, 1, 'paid');
    const [order] = orders;
    const eventKey = jobMessages.orderConfirmation(order.id).jobId;
    // The invoice, and with it the confirmation's outbox row, which the worker relays.
    await app.get(InvoicesService).issueInvoice(order.id);
    const hold = sink.holdNextTo(buyer.email);

    const first = startWorker();
    await hold.arrived;
    first.kill('SIGKILL');
    await exited(first);
    hold.release();
    expect((await mailLog(db, eventKey))?.status).toBe('sending');

    const second = startWorker();
    await eventually(async () => (await mailLog(db, eventKey))?.status === 'sent', {
      what: 'the confirmation recorded as sent',
      timeoutMs: 120_000,
    });
    second.kill('SIGTERM');
    await exited(second);

    const copies = sink
      .to(buyer.email)
      .filter((m) => m.parsed.subject === `Order ${order.number} confirmed`);
    expect(copies.length).toBeGreaterThanOrEqual(1);
    expect(copies.length).toBeLessThanOrEqual(2);
    const messageId = `<${eventKey}@shop.local>`;
    expect(copies.map((m) => m.parsed.messageId)).toEqual(copies.map(() => messageId));
    expect(await mailLog(db, eventKey)).toMatchObject({
      status: 'sent',
      unknown_outcomes: 1,
      provider_message_id: messageId,
    });
    const metrics = await scrapeMetrics(app);
    const counted = /^mail_unknown_outcomes_total\{template="order-confirmation"\} (\d+)/m.exec(
      metrics,
    );
    expect(Number(counted?.[1])).toBeGreaterThanOrEqual(1);
  }, 300_000);
});

/**
 * PostgreSQL drops between the SMTP server's 250 and the `sent` update (its connections go
 * through a proxy the test cuts; never the shared server): the delivered message is recorded
 * as sent once the database is back, never as failed and never sent twice.
 */
describe('PostgreSQL gone right after the SMTP server accepted a message', () => {
  let sink: SmtpSink;
  let dbProxy: TcpProxy;
  let app: NestFastifyApplication;
  let db: DataSource;
  let queue: Queue;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    const database = loadDatabaseConfig();
    dbProxy = await TcpProxy.inFrontOf(database.url, 5432);
    const redis = loadRedisConfig();
    app = await createTestApp({
      imports: [ProcessorsModule],
      overrides: [
        [databaseConfig.KEY, { ...database, url: dbProxy.through(database.url) }],
        [mailConfig.KEY, { ...loadMailConfig(), url: sink.url }],
        [queueConfig.KEY, { ...loadQueueConfig(), attempts: 6, backoffMs: 300 }],
        [
          redisConfig.KEY,
          { ...redis, prefix: `${redis.prefix}:pgdrop-${randomBytes(3).toString('hex')}` },
        ],
      ],
    });
    db = app.get(DataSource);
    queue = app.get<Queue>(getQueueToken(QUEUES.mail));
  });

  afterAll(async () => {
    await app.close();
    await dbProxy.stop();
    await sink.close();
  });

  it('records the delivered message as sent once the database returns, without sending it again', async () => {
    const user = await createUser(app);
    const m = jobMessages.passwordReset(user.id, randomBytes(32).toString('base64url'));
    const hold = sink.holdNextTo(user.email);
    await enqueue(queue, m);
    await hold.arrived;
    await dbProxy.cut();
    hold.release();
    try {
      // The attempt cannot record the delivery and fails; the next finds it on the job.
      await eventually(async () => ((await queue.getJob(m.jobId))?.attemptsMade ?? 0) >= 1, {
        what: 'the attempt that could not record the delivery to fail',
        timeoutMs: 30_000,
      });
    } finally {
      await dbProxy.restore();
    }
    const job = await settledJob(queue, m.jobId, 60_000);
    expect(job.returnvalue).toBe('sent');
    expect(sink.to(user.email)).toHaveLength(1);
    expect(await mailLog(db, m.jobId)).toMatchObject({
      status: 'sent',
      attempts: 1,
      unknown_outcomes: 0,
      last_error: null,
    });
  });
});
