import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Client } from 'pg';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { databaseConfig, DatabaseConfig } from '../../config';
import { runPart, StatementPart } from '../../database/sql';
import { JobMessage } from './queue-names';

/** The PostgreSQL NOTIFY channel that wakes the outbox relays. */
export const OUTBOX_CHANNEL = 'outbox';

/** Set in a transaction's `queryRunner.data` when it wrote outbox rows: wake after its commit. */
const WROTE_OUTBOX = 'wroteOutbox';
/** Longest wait for the wake-up connection (the relays poll anyway). */
const NOTIFY_TIMEOUT_MS = 5_000;

/**
 * Writes follow-up jobs as `outbox` rows. The caller's manager is required: pass the
 * transaction's, so that the rows commit with the caller's data or not at all (a rolled-back
 * order leaves no job); passing `dataSource.manager` (autocommit) is a visible choice. The relay
 * moves committed rows onto Bull (`relayed_at`); a row is settled (`settled_at`) only when its
 * job has finished, and the relay hands over again the rows relayed but not settled within
 * OUTBOX_REDELIVER_AFTER_MS. Writing the same message twice is a no-op (its job id is unique).
 *
 * After a commit that wrote rows, this wakes the relays with `NOTIFY outbox` sent from a
 * connection of its own, one at a time (wakes asked for meanwhile make one more). The writing
 * transaction sends none: a transaction that notifies holds PostgreSQL's notify queue lock
 * through its commit's WAL flush, so all such commits would run one after the other. The
 * relays also poll, so a lost wake-up (a crash right after the commit, the connection down)
 * only adds latency.
 */
@Injectable()
export class OutboxService implements EntitySubscriberInterface, OnModuleDestroy {
  private readonly logger = new Logger(OutboxService.name);
  private notifier?: Client;
  private notifying = false;
  private wakeAgain = false;
  /** Those waiting for the wake-ups in flight to go out (see `wakeUpsSent`). */
  private waitingForSent: (() => void)[] = [];
  private closed = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) private readonly database: DatabaseConfig,
  ) {
    dataSource.subscribers.push(this);
  }

  async add(manager: EntityManager, messages: JobMessage[]): Promise<void> {
    const inTransaction = manager.queryRunner?.isTransactionActive === true;
    const part = inTransaction ? this.part(manager, messages) : this.rows(messages);
    if (!part) return;
    await runPart(manager, part);
    if (!inTransaction) this.wakeRelays();
  }

  /**
   * The outbox rows of `messages` as a statement part, for an owner that writes them in one
   * statement with its own change (`runTogether`, in the transaction `tx`, after whose commit
   * the relays are woken); none for none.
   */
  part(tx: EntityManager, messages: JobMessage[]): StatementPart | undefined {
    const part = this.rows(messages);
    this.wroteIn(tx, part !== undefined);
    return part;
  }

  /** TypeORM hook: the outermost commit of a transaction that wrote rows wakes the relays. */
  afterTransactionCommit({ queryRunner }: TransactionCommitEvent): void {
    if (queryRunner.isTransactionActive || !queryRunner.data[WROTE_OUTBOX]) return;
    queryRunner.data[WROTE_OUTBOX] = false;
    this.wakeRelays();
  }

  afterTransactionRollback({ queryRunner }: TransactionRollbackEvent): void {
    if (!queryRunner.isTransactionActive) queryRunner.data[WROTE_OUTBOX] = false;
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const notifier = this.notifier;
    this.notifier = undefined;
    await notifier?.end().catch(() => undefined);
  }

  /**
   * A data-modifying statement, for a CTE of another owner's statement in the transaction `tx`,
   * that writes as outbox rows the messages `messages` selects (`queue`, `name`, `job_id`,
   * `payload`: e.g. `jobMessageRows`): for messages that only that statement can work out.
   * The relays are woken after the transaction's commit.
   */
  inserting(tx: EntityManager, messages: string): string {
    this.wroteIn(tx);
    return insertMessages(messages);
  }

  /** Marks `tx` (which must be a transaction) as one that wakes the relays after its commit. */
  private wroteIn(tx: EntityManager, wrote = true): void {
    const runner = tx.queryRunner;
    if (!runner?.isTransactionActive) throw new Error('Outbox parts are written in a transaction');
    if (wrote) runner.data[WROTE_OUTBOX] = true;
  }

  private rows(messages: JobMessage[]): StatementPart | undefined {
    if (messages.length === 0) return undefined;
    return {
      sql: insertMessages(`SELECT * FROM jsonb_to_recordset($1::jsonb)
                             AS m(queue text, name text, job_id text, payload jsonb)`),
      params: [
        JSON.stringify(
          messages.map((m) => ({
            queue: m.queue,
            name: m.name,
            job_id: m.jobId,
            payload: m.payload,
          })),
        ),
      ],
    };
  }

  /**
   * Resolves once the wake-ups asked for so far have been sent (or given up): a commit's
   * wake-up goes out after the request that committed may have answered.
   */
  wakeUpsSent(): Promise<void> {
    if (!this.notifying) return Promise.resolve();
    return new Promise((resolve) => this.waitingForSent.push(resolve));
  }

  /** Sends `NOTIFY outbox` after the commit; one at a time, the next one after it if asked. */
  private wakeRelays(): void {
    if (this.closed) return;
    if (this.notifying) {
      this.wakeAgain = true;
      return;
    }
    this.notifying = true;
    void this.notify().finally(() => {
      this.notifying = false;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wakeRelays();
      }
      // Nothing more to send (or closed meanwhile): whoever waited may go on.
      if (this.notifying) return;
      const waiting = this.waitingForSent;
      this.waitingForSent = [];
      for (const resolve of waiting) resolve();
    });
  }

  private async notify(): Promise<void> {
    try {
      if (!this.notifier) {
        const client = await this.connectNotifier();
        if (this.closed) {
          await client.end();
          return;
        }
        this.notifier = client;
      }
      await this.notifier.query(`NOTIFY ${OUTBOX_CHANNEL}`);
    } catch (error) {
      this.logger.warn(`Outbox wake-up not sent: ${(error as Error).message}`);
      const notifier = this.notifier;
      this.notifier = undefined;
      await notifier?.end().catch(() => undefined);
    }
  }

  private async connectNotifier(): Promise<Client> {
    const client = new Client({
      connectionString: this.database.url,
      application_name: 'outbox-notify',
      connectionTimeoutMillis: NOTIFY_TIMEOUT_MS,
      query_timeout: NOTIFY_TIMEOUT_MS,
    });
    client.on('error', (error) => {
      this.logger.warn(`Outbox wake-up connection: ${error.message}`);
      if (this.notifier === client) this.notifier = undefined;
      void client.end().catch(() => undefined);
    });
    try {
      await client.connect();
      // A lost wake-up costs only latency: its commit need not wait for the WAL flush.
      await client.query('SET synchronous_commit TO off');
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  }

  /** Rows committed but not yet relayed (cheap: a partial index holds exactly these). */
  async pendingCount(): Promise<number> {
    const [row] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM outbox WHERE relayed_at IS NULL`,
    );
    return row.count;
  }

  /**
   * Marks the job's row done: its handler finished (or, with `error`, the job can never
   * succeed). Called by JobRunner before Bull marks the job completed; a job that came from no
   * row (added by hand) changes nothing.
   */
  async settle(jobId: string, error?: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox SET settled_at = clock_timestamp(), last_error = coalesce($2, last_error)
        WHERE job_id = $1 AND settled_at IS NULL`,
      [jobId, error?.slice(0, 2000) ?? null],
    );
  }

  /** Jobs not finished yet (relayed or not), and the age of the oldest one in seconds (0: none). */
  async unsettled(): Promise<{ count: number; oldestAgeSeconds: number }> {
    const [row] = await this.dataSource.query<{ count: number; oldest: number | null }[]>(
      `SELECT count(*)::int AS count,
              extract(epoch FROM clock_timestamp() - min(created_at))::float8 AS oldest
         FROM outbox WHERE settled_at IS NULL`,
    );
    return { count: row.count, oldestAgeSeconds: Math.max(0, row.oldest ?? 0) };
  }
}

/** Writes the messages `messages` selects; a message already written (its job id) is skipped. */
function insertMessages(messages: string): string {
  return `INSERT INTO outbox (queue, name, job_id, payload)
          SELECT m.queue, m.name, m.job_id, m.payload FROM (${messages}) m
          ON CONFLICT (job_id) DO NOTHING
          RETURNING job_id`;
}
