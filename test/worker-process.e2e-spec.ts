import { TestingModule } from '@nestjs/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Queue } from 'bull';
import { DataSource } from 'typeorm';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { JobMessage, jobMessages, QUEUE_NAMES } from '../src/modules/queues/queue-names';
import { eventually, outboxRows, queueOf, settledJob, startContext } from './support/jobs';

const ROOT = join(__dirname, '..');

function startWorker(
  extraEnv: Record<string, string> = {},
  entry = 'src/worker.ts',
): {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: string | null }>;
  output: () => string;
} {
  let output = '';
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOG_LEVEL: 'info',
      OUTBOX_BATCH: '10',
      OUTBOX_POLL_MS: '200',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

describe('the worker process (npm run start:worker)', () => {
  let context: TestingModule;
  let db: DataSource;

  beforeAll(async () => {
    context = await startContext();
    db = context.get(DataSource);
  });
  afterAll(() => context.close());

  const commit = (batch: JobMessage[]) =>
    db.transaction((manager) => context.get(OutboxService).add(manager, batch));

  it('relays the outbox, and on SIGTERM finishes the batch in hand and exits 0', async () => {
    const worker = startWorker();
    try {
      const first = [jobMessages.invoice(randomUUID())];
      await commit(first);
      await eventually(async () => (await outboxRows(db, [first[0].jobId]))[0]?.relayed, {
        what: `the worker to relay a row (output: ${worker.output().slice(-2000)})`,
        timeoutMs: 90_000,
      });

      // Many small batches in flight when the signal arrives.
      const batch = Array.from({ length: 300 }, () => jobMessages.orderConfirmation(randomUUID()));
      await commit(batch);
      await eventually(async () => (await outboxRows(db, [batch[0].jobId]))[0]?.relayed, {
        what: 'the first rows of the batch relayed',
      });
      worker.child.kill('SIGTERM');
      const exit = await Promise.race([
        worker.exited,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('the worker did not exit within 30 s')), 30_000),
        ),
      ]);
      expect({ ...exit, output: exit.code === 0 ? '' : worker.output().slice(-2000) }).toEqual({
        code: 0,
        signal: null,
        output: '',
      });
      expect(worker.output()).toContain('Outbox relay stopped');

      // Nothing half-done: a row is stamped relayed exactly when its job exists.
      const rows = await outboxRows(
        db,
        batch.map((m) => m.jobId),
      );
      const mail = queueOf(context, batch[0].queue);
      const mismatched: string[] = [];
      for (const row of rows) {
        const job = await mail.getJob(row.job_id);
        if (Boolean(job) !== row.relayed) mismatched.push(row.job_id);
      }
      expect(mismatched).toEqual([]);
      expect(rows.some((r) => r.relayed)).toBe(true);

      // Jobs in hand were finished. A job Bull fetched as the drain began (it fetches the next
      // job in the call that completes one) and never started is left active, but its lock is
      // released, so the next worker's stalled check takes it again. Nothing is lost.
      const leftActive: { queue: Queue; id: string }[] = [];
      for (const name of QUEUE_NAMES) {
        const queue = queueOf(context, name);
        for (const job of await queue.getActive()) {
          expect(await queue.client.exists(`${queue.toKey(String(job.id))}:lock`)).toBe(0);
          leftActive.push({ queue, id: String(job.id) });
        }
      }
      if (leftActive.length) {
        const next = startWorker({ JOB_LOCK_DURATION_MS: '1000', JOB_STALLED_INTERVAL_MS: '500' });
        try {
          for (const { queue, id } of leftActive) await settledJob(queue, id, 60_000);
        } finally {
          next.child.kill('SIGTERM');
          await next.exited;
        }
      }
    } finally {
      if (worker.child.exitCode === null && worker.child.signalCode === null)
        worker.child.kill('SIGKILL');
    }
  });

  it('refuses to start (exit 1, says which) when a queue it consumes has a job without a handler', async () => {
    const entry = 'test/support/mail-only-worker.ts';
    const broken = startWorker({ WORKER_QUEUES: 'mail,invoices' }, entry);
    const exit = await broken.exited;
    expect(exit).toEqual({ code: 1, signal: null });
    expect(broken.output()).toContain(
      'Worker failed to start: Error: Refusing to start: no handler for the job(s) ' +
        'invoices:invoice, invoices:credit-note of the queues this process consumes',
    );

    // The same worker consuming only the queue it has handlers for starts.
    const mailOnly = startWorker({ WORKER_QUEUES: 'mail' }, entry);
    try {
      await eventually(() => Promise.resolve(mailOnly.output().includes('Worker started')), {
        what: `the mail-only worker to start (output: ${mailOnly.output().slice(-2000)})`,
        timeoutMs: 90_000,
      });
    } finally {
      mailOnly.child.kill('SIGTERM');
    }
    expect(await mailOnly.exited).toEqual({ code: 0, signal: null });
  });
});
