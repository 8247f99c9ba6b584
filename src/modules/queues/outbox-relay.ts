import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { withTimeout } from '../../common/async/with-timeout';
import { databaseConfig, DatabaseConfig, queueConfig, QueueConfig } from '../../config';
import { OUTBOX_CHANNEL } from './outbox.service';
import { QUEUE_NAMES } from './queue-names';
import { QueueRegistry } from './queue-registry';

interface OutboxRow {
  id: string;
  queue: string;
  name: string;
  job_id: string;
  payload: unknown;
}

interface BatchResult {
  claimed: number;
  /** Redis refused (or did not answer): the rows stay unrelayed, the loop backs off. */
  failed: boolean;
}

/** Longest wait for Redis to take a batch before the attempt counts as failed. */
const ENQUEUE_TIMEOUT_MS = 10_000;
/** Pause before re-opening the LISTEN connection after it dropped. */
const LISTEN_RETRY_MS = 2000;
/** First pause after a failed batch; doubles per failure up to OUTBOX_MAX_BACKOFF_MS. */
const FIRST_BACKOFF_MS = 250;
/** Longest pause between two looks for handed-over rows whose job has not finished. */
const REDELIVER_CHECK_MAX_MS = 30_000;
/** How often settled rows older than the retention are deleted. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;
const PRUNE_CHUNK = 5000;

/**
 * Moves committed outbox rows onto their Bull queues.
 *
 * Each batch is one transaction: claim up to OUTBOX_BATCH unrelayed rows in id order with
 * `FOR UPDATE SKIP LOCKED` (so any number of relays, in any number of processes, share the
 * work without taking a row twice), add them to Bull with the row's deterministic `jobId`
 * (Bull keeps one job per id, so a row relayed again after a crash between the add and the
 * commit is still one job), stamp them `relayed_at`, commit. If Redis refuses, the rows get
 * `attempts + 1` and `last_error`, stay unrelayed, and the loop retries with a growing pause.
 *
 * Hand-over is not completion: a row is settled by JobRunner when its job has finished. Rows
 * handed over but not settled within OUTBOX_REDELIVER_AFTER_MS are handed over again, same job
 * id: Bull ignores the add while the job exists (waiting, running, delayed for a retry, or
 * failed for good: the oldest-unfinished-job metric shows those), and a Redis that lost its
 * data (restarted without persistence, flushed, failed over) gets the job back. Handlers are
 * idempotent, so a job that was only slow and runs twice is harmless.
 *
 * The loop wakes on `NOTIFY outbox` (sent by OutboxService when the producer commits) and
 * polls every OUTBOX_POLL_MS besides. `stop()` (module destroy) lets the batch in hand finish.
 * Runs wherever ProcessorsModule is imported: the worker, and the API when RUN_WORKERS=true.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly options: QueueConfig['outbox'];
  private loop?: Promise<void>;
  private stopping = false;
  private listener?: Client;
  private listenRetry?: NodeJS.Timeout;
  /** Set by a notification that arrived while a batch was running: look again at once. */
  private woken = false;
  private interruptSleep?: () => void;
  private failures = 0;
  private lastPrune = 0;
  private lastRedeliverCheck = 0;
  private relayed = 0;
  private redelivered = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly queues: QueueRegistry,
    @Inject(queueConfig.KEY) config: QueueConfig,
    @Inject(databaseConfig.KEY) private readonly database: DatabaseConfig,
  ) {
    this.options = config.outbox;
  }

  /** Rows this relay has moved onto Bull since it started. */
  get relayedCount(): number {
    return this.relayed;
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    void this.listen();
    this.loop = this.run();
  }

  /** Finishes the batch in hand, then stops; no row is left half-relayed. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.listenRetry);
    this.interruptSleep?.();
    await this.loop;
    this.loop = undefined;
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    this.logger.log(
      `Outbox relay started (batch ${this.options.batch}, poll ${this.options.pollMs} ms)`,
    );
    while (!this.stopping) {
      let result: BatchResult;
      try {
        result = await this.relayBatch();
      } catch (error) {
        this.logger.error(`Outbox relay batch failed: ${(error as Error).message}`);
        result = { claimed: 0, failed: true };
      }
      if (result.failed) {
        this.failures++;
        const pause = Math.min(
          this.options.maxBackoffMs,
          FIRST_BACKOFF_MS * 2 ** Math.min(this.failures - 1, 16),
        );
        await this.sleep(pause, false);
        continue;
      }
      if (this.failures > 0) {
        this.logger.log('Outbox relay: the queues take jobs again');
        this.failures = 0;
      }
      // A full batch means more rows are probably waiting.
      if (result.claimed === this.options.batch) continue;
      await this.redeliverIfDue();
      await this.pruneIfDue();
      await this.sleep(this.options.pollMs, true);
    }
    this.logger.log(
      `Outbox relay stopped (${this.relayed} rows relayed, ${this.redelivered} lost jobs handed over again)`,
    );
  }

  /** One transaction: claim, enqueue, stamp. Throws only when PostgreSQL fails. */
  private relayBatch(): Promise<BatchResult> {
    return this.db.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, queue, name, job_id, payload
           FROM outbox
          WHERE relayed_at IS NULL AND queue = ANY($2::text[])
          ORDER BY id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [this.options.batch, QUEUE_NAMES],
      );
      if (rows.length === 0) return { claimed: 0, failed: false };
      const ids = rows.map((row) => row.id);
      try {
        await withTimeout(this.enqueue(rows), ENQUEUE_TIMEOUT_MS, 'Redis did not take the jobs');
      } catch (error) {
        const message = (error as Error).message || String(error);
        await manager.query(
          `UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])`,
          [ids, message.slice(0, 2000)],
        );
        this.logger.warn(`Outbox relay: ${rows.length} rows wait, Redis refused: ${message}`);
        return { claimed: rows.length, failed: true };
      }
      await manager.query(
        `UPDATE outbox SET relayed_at = clock_timestamp(), attempts = attempts + 1
          WHERE id = ANY($1::bigint[])`,
        [ids],
      );
      this.relayed += rows.length;
      return { claimed: rows.length, failed: false };
    });
  }

  private async enqueue(rows: OutboxRow[]): Promise<void> {
    const byQueue = new Map<string, OutboxRow[]>();
    for (const row of rows) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
    await Promise.all(
      [...byQueue].map(([name, queued]) => {
        const queue = this.queues.find(name);
        if (!queue) throw new Error(`no queue "${name}"`);
        // Bull's addJob script returns the existing job when the id is taken: one job per row.
        return queue.addBulk(
          queued.map((row) => ({ name: row.name, data: row.payload, opts: { jobId: row.job_id } })),
        );
      }),
    );
  }

  /** Hands over again the rows whose job has not finished in time (see the class comment). */
  private async redeliverIfDue(): Promise<void> {
    const every = Math.max(
      this.options.pollMs,
      Math.min(this.options.redeliverAfterMs / 2, REDELIVER_CHECK_MAX_MS),
    );
    if (Date.now() - this.lastRedeliverCheck < every) return;
    this.lastRedeliverCheck = Date.now();
    try {
      while (!this.stopping && (await this.redeliverBatch()) === this.options.batch);
    } catch (error) {
      this.logger.warn(`Outbox redelivery check failed: ${(error as Error).message}`);
    }
  }

  /** One transaction: claim overdue rows, re-add the jobs Redis no longer has, re-stamp. */
  private redeliverBatch(): Promise<number> {
    return this.db.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(OVERDUE_ROWS_SQL, [
        this.options.batch,
        this.options.redeliverAfterMs,
        QUEUE_NAMES,
      ]);
      if (rows.length === 0) return 0;
      const lost = await withTimeout(
        this.withoutJob(rows),
        ENQUEUE_TIMEOUT_MS,
        'Redis did not answer',
      );
      if (lost.length) {
        await withTimeout(this.enqueue(lost), ENQUEUE_TIMEOUT_MS, 'Redis did not take the jobs');
        this.redelivered += lost.length;
        this.logger.error(
          { jobIds: lost.slice(0, 20).map((row) => row.job_id) },
          `Outbox relay: ${lost.length} job(s) handed over earlier were missing from Redis ` +
            `(its data was lost?); handed over again`,
        );
      }
      await manager.query(
        `UPDATE outbox SET relayed_at = clock_timestamp(),
                attempts = attempts + CASE WHEN id = ANY($2::bigint[]) THEN 1 ELSE 0 END
          WHERE id = ANY($1::bigint[])`,
        [rows.map((row) => row.id), lost.map((row) => row.id)],
      );
      return rows.length;
    });
  }

  /** The rows whose job Redis does not hold (in any state). */
  private async withoutJob(rows: OutboxRow[]): Promise<OutboxRow[]> {
    const found = await Promise.all(
      rows.map((row) => {
        const queue = this.queues.find(row.queue);
        if (!queue) throw new Error(`no queue "${row.queue}"`);
        return queue.getJob(row.job_id);
      }),
    );
    return rows.filter((_, i) => !found[i]);
  }

  /** Deletes settled rows past the retention, at most hourly and in bounded chunks. */
  private async pruneIfDue(): Promise<void> {
    const days = this.options.retentionDays;
    if (days === 0 || Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = Date.now();
    try {
      await this.db.query(
        `DELETE FROM outbox WHERE id IN (
           SELECT id FROM outbox
            WHERE settled_at < now() - make_interval(days => $1)
            ORDER BY id LIMIT $2)`,
        [days, PRUNE_CHUNK],
      );
    } catch (error) {
      this.logger.warn(`Outbox prune failed: ${(error as Error).message}`);
    }
  }

  /** Sleeps up to `ms`; a notification cuts it short when `wakeable`, stop() always does. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (wakeable && this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.interruptSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interruptSleep = () => {
        if (this.stopping || wakeable) done();
      };
    });
  }

  private wake(): void {
    this.woken = true;
    this.interruptSleep?.();
  }

  /** LISTEN on a connection of its own; re-opened after it drops (polling covers the gap). */
  private async listen(): Promise<void> {
    if (this.stopping) return;
    const client = new Client({
      connectionString: this.database.url,
      application_name: 'outbox-relay',
    });
    const retry = () => {
      if (this.listener !== client) return;
      this.listener = undefined;
      void client.end().catch(() => undefined);
      if (!this.stopping) this.listenRetry = setTimeout(() => void this.listen(), LISTEN_RETRY_MS);
    };
    this.listener = client;
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      this.logger.warn(`Outbox LISTEN connection: ${error.message}`);
      retry();
    });
    client.on('end', retry);
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      // Rows committed while the connection was down sent their NOTIFY to nobody.
      this.wake();
    } catch (error) {
      this.logger.warn(`Outbox LISTEN failed: ${(error as Error).message}`);
      retry();
    }
  }
}

/**
 * Claims up to $1 rows handed over more than $2 ms ago whose job has not settled, of the queues
 * $3, oldest first. In the order of the index of unsettled rows (`IDX_outbox_unsettled`), so
 * that it reads those alone: ordered by id, the plan walked every row the outbox keeps, settled
 * ones included (`test/prepared-plans.e2e-spec.ts`).
 */
export const OVERDUE_ROWS_SQL = `SELECT id, queue, name, job_id, payload
   FROM outbox
  WHERE settled_at IS NULL
    AND relayed_at < clock_timestamp() - make_interval(secs => $2::float8 / 1000)
    AND queue = ANY($3::text[])
  ORDER BY created_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED`;
