import { getQueueToken } from '@nestjs/bull';
import { Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import type { Job, JobStatus, Queue } from 'bull';
import { DataSource } from 'typeorm';
import { queueConfig, QueueConfig } from '../../src/config';
import { loadQueueConfig } from '../../src/config/queue.config';
import { CoreModule } from '../../src/core.module';
import { OutboxRelayModule } from '../../src/modules/queues/outbox-relay.module';
import { QUEUE_NAMES } from '../../src/modules/queues/queue-names';
import type { JobMessage, QueueName } from '../../src/modules/queues/queue-names';

export type Override = [string | symbol | Type, unknown];

/** The queue config of the test run with some outbox settings changed. */
export function queueConfigWith(outbox: Partial<QueueConfig['outbox']>): Override {
  const base = loadQueueConfig();
  return [queueConfig.KEY, { ...base, outbox: { ...base.outbox, ...outbox } }];
}

/**
 * A process's worth of infrastructure (database, Redis, queues) without HTTP; with
 * `relay: true` it also runs an outbox relay, as a worker does (its own connections).
 */
export async function startContext(
  options: { relay?: boolean; overrides?: Override[] } = {},
): Promise<TestingModule> {
  let builder = Test.createTestingModule({
    imports: [CoreModule, ...(options.relay ? [OutboxRelayModule] : [])],
  });
  for (const [token, value] of options.overrides ?? []) {
    builder = builder.overrideProvider(token).useValue(value);
  }
  const context = await builder.compile();
  await context.init();
  return context;
}

export function queueOf(context: { get: TestingModule['get'] }, name: QueueName): Queue {
  return context.get<Queue>(getQueueToken(name), { strict: false });
}

/**
 * Polls `probe` until it returns a truthy value (bounded), and returns that value. `what` names
 * the condition in the timeout error; as a function it is read at the timeout (the last state).
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  {
    timeoutMs = 20_000,
    everyMs = 100,
    what = 'the condition',
  }: { timeoutMs?: number; everyMs?: number; what?: string | (() => string) } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!last) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${typeof what === 'function' ? what() : what}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
    last = await probe();
  }
  return last;
}

/** Adds a job to Bull from the contract, as the outbox relay does. */
export const enqueue = (queue: Queue, m: JobMessage) =>
  queue.add(m.name, m.payload, { jobId: m.jobId });

/** Waits until the job is completed or has failed for good; returns it. */
export async function settledJob(queue: Queue, jobId: string, timeoutMs = 20_000): Promise<Job> {
  let state: JobStatus | 'stuck' | undefined;
  await eventually(
    async () => {
      state = await (await queue.getJob(jobId))?.getState();
      return state === 'completed' || state === 'failed';
    },
    { timeoutMs, everyMs: 50, what: () => `job ${jobId} to settle (still ${state})` },
  );
  // Read again once final: the first read may predate the result.
  return (await queue.getJob(jobId))!;
}

/** Job states with work still to come. */
const UNFINISHED: JobStatus[] = ['waiting', 'active', 'delayed', 'paused'];

/**
 * Waits until nothing more will happen about `about` (e.g. `{ orderId }`): every outbox row
 * whose payload holds those fields is settled, and no job whose data holds them waits, runs or
 * waits for a retry in the context's queues. A handler commits the rows of its follow-up jobs
 * before its own row is settled, so once every row is settled no new one can appear; the queue
 * check catches a job added past the outbox. Assert an absence (no invoice yet, no second
 * e-mail) after this, never after a fixed sleep. Throws, naming what is unfinished, on timeout.
 */
export async function settled(
  context: { get: TestingModule['get'] },
  about: Record<string, string>,
  { timeoutMs = 20_000 } = {},
): Promise<void> {
  const db = context.get(DataSource, { strict: false });
  const queues = QUEUE_NAMES.map((name) => queueOf(context, name));
  const holds = (data: Record<string, unknown> | undefined) =>
    Object.entries(about).every(([key, value]) => data?.[key] === value);
  let unfinished: string[] = [];
  await eventually(
    async () => {
      const rows: { job_id: string }[] = await db.query(
        `SELECT job_id FROM outbox WHERE payload @> $1::jsonb AND settled_at IS NULL`,
        [JSON.stringify(about)],
      );
      // A job removed between Bull's listing and its read comes back null.
      const jobs = (await Promise.all(queues.map((queue) => queue.getJobs(UNFINISHED)))).flat();
      unfinished = [
        ...rows.map((row) => `outbox row ${row.job_id}`),
        ...jobs.filter((job) => job && holds(job.data)).map((job) => `Bull job ${job.id}`),
      ];
      return unfinished.length === 0;
    },
    {
      timeoutMs,
      everyMs: 50,
      what: () => `the jobs about ${JSON.stringify(about)} to settle: ${unfinished.join(', ')}`,
    },
  );
}

export interface OutboxState {
  job_id: string;
  relayed: boolean;
  attempts: number;
  last_error: string | null;
}

export async function outboxRows(db: DataSource, jobIds: string[]): Promise<OutboxState[]> {
  return db.query(
    `SELECT job_id, relayed_at IS NOT NULL AS relayed, attempts, last_error
       FROM outbox WHERE job_id = ANY($1::text[]) ORDER BY id`,
    [jobIds],
  );
}
