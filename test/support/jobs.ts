import { getQueueToken } from '@nestjs/bull';
import { Type } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import type { Job, JobStatus, Queue } from 'bull';
import { DataSource } from 'typeorm';
import { queueConfig, QueueConfig } from '../../src/config';
import { loadQueueConfig } from '../../src/config/queue.config';
import { CoreModule } from '../../src/core.module';
import { OutboxRelayModule } from '../../src/modules/queues/outbox-relay.module';
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

/** Polls `probe` until it returns a truthy value (bounded), and returns that value. */
export async function eventually<T>(
  probe: () => Promise<T>,
  { timeoutMs = 20_000, everyMs = 100, what = 'the condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!last) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
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
    { timeoutMs, everyMs: 50, what: `job ${jobId} to settle (still ${state})` },
  );
  // Read again once final: the first read may predate the result.
  return (await queue.getJob(jobId))!;
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
