import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bull';
import { queueConfig, QueueConfig } from '../../config';
import { parsePayload } from './job-payload';
import { OutboxService } from './outbox.service';
import { JobMessage, JobName, jobNamesOf, payloadSchemaOf, QueueName } from './queue-names';
import { QueueRegistry } from './queue-registry';

/** The payload of queue `Q`'s job `N`, as the contract types it. */
export type PayloadFor<Q extends QueueName, N extends string> = Extract<
  JobMessage,
  { queue: Q; name: N }
>['payload'];

/**
 * A queue's handler table: one handler per job name of the queue in the contract
 * (`Record<JobName, Handler>`), so a job added to the contract without a handler does not
 * compile. A handler gets the validated payload; it is safe to run twice, throws to fail the
 * attempt (Bull retries it with backoff), and throws `UnrecoverableJobError` when the job can
 * never succeed. What it returns is kept as the job's return value.
 */
export type QueueHandlers<Q extends QueueName> = {
  [N in JobName<Q>]: (payload: PayloadFor<Q, N>, job: Job) => Promise<unknown>;
};

/**
 * A job that can never succeed (unknown name, invalid payload, the row it is about is gone):
 * failed at once, logged at error level, never retried; Bull keeps it as failed.
 */
export class UnrecoverableJobError extends Error {
  override name = 'UnrecoverableJobError';
}

/**
 * Runs the jobs of the queues this process consumes (WORKER_QUEUES), the same way for every
 * queue: each processor registers its queue's handler table (in its constructor or
 * `onModuleInit`); at bootstrap the runner refuses to start when a consumed queue has a job
 * name without a handler, then takes jobs with ONE handler per queue (`'*'`, so
 * WORKER_CONCURRENCY bounds the whole queue: Bull adds up the concurrency of named handlers).
 * Before a handler runs, the job's name is looked up and its payload checked against the
 * contract (`parsePayload`); a job that fails either check is failed once and not retried.
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobRunner.name);
  private readonly tables = new Map<QueueName, Record<string, unknown>>();

  constructor(
    private readonly queues: QueueRegistry,
    @Inject(queueConfig.KEY) private readonly config: QueueConfig,
    private readonly outbox: OutboxService,
  ) {}

  register<Q extends QueueName>(queue: Q, handlers: QueueHandlers<Q>): void {
    if (this.tables.has(queue)) throw new Error(`Queue "${queue}" has two handler tables`);
    this.tables.set(queue, handlers);
  }

  /** Whether this process takes `queue`'s jobs (WORKER_QUEUES). */
  consumes(queue: QueueName): boolean {
    return this.config.workerQueues.includes(queue);
  }

  /** `<queue>:<name>` of every job of a consumed queue that has no handler. */
  missingHandlers(): string[] {
    return this.config.workerQueues.flatMap((queue) => {
      const table = this.tables.get(queue);
      return jobNamesOf(queue)
        .filter((name) => typeof table?.[name] !== 'function')
        .map((name) => `${queue}:${name}`);
    });
  }

  onApplicationBootstrap(): void {
    const missing = this.missingHandlers();
    if (missing.length) {
      throw new Error(
        `Refusing to start: no handler for the job(s) ${missing.join(', ')} of the queues this ` +
          `process consumes (WORKER_QUEUES=${this.config.workerQueues.join(',')}). Add each to ` +
          `its queue's handler table (and the processors' module to ProcessorsModule), or leave ` +
          `the queue out of WORKER_QUEUES.`,
      );
    }
    for (const name of this.config.workerQueues) {
      const queue = this.queues.find(name);
      if (!queue) throw new Error(`Refusing to start: no Bull queue "${name}"`);
      // `process` resolves only when the queue closes.
      queue
        .process('*', this.config.concurrency, (job: Job) => this.run(name, job))
        .catch((error: Error) => this.logger.error(`${name} processing stopped: ${error.message}`));
    }
  }

  /**
   * Checks a job's name and payload, runs its handler, then settles the job's outbox row
   * before Bull marks the job completed (a crash in between re-runs an idempotent handler; a
   * job lost by Redis before this point is handed over again by the relay).
   */
  async run(queue: QueueName, job: Job): Promise<unknown> {
    const table = this.tables.get(queue);
    const handler = table && Object.hasOwn(table, job.name) ? table[job.name] : undefined;
    const schema = payloadSchemaOf(queue, job.name);
    if (typeof handler !== 'function' || !schema) {
      return this.refuse(queue, job, `unknown job name "${job.name}" in queue ${queue}`);
    }
    const parsed = parsePayload(schema, job.data);
    if (!parsed.ok) return this.refuse(queue, job, parsed.reason);
    let result: unknown;
    try {
      result = await (handler as (payload: unknown, job: Job) => Promise<unknown>)(
        parsed.payload,
        job,
      );
    } catch (error) {
      if (error instanceof UnrecoverableJobError) return this.refuse(queue, job, error.message);
      throw error;
    }
    await this.outbox.settle(String(job.id));
    return result;
  }

  /**
   * Fails the job for good: Bull does not retry a discarded job and keeps it as failed. Its
   * outbox row is settled with the reason, so that it is not handed over again.
   */
  private async refuse(queue: QueueName, job: Job, reason: string): Promise<never> {
    void job.discard();
    this.logger.error(
      { queue, jobId: String(job.id), job: job.name, reason },
      'Job failed for good: it can never succeed (not retried)',
    );
    await this.outbox
      .settle(String(job.id), `not retried: ${reason}`)
      .catch((error: Error) => this.logger.warn(`outbox settle: ${error.message}`));
    throw new UnrecoverableJobError(reason);
  }
}
