import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { runPart, StatementPart } from '../../database/sql';
import { JobMessage } from './queue-names';

/** The PostgreSQL NOTIFY channel that wakes the outbox relays. */
export const OUTBOX_CHANNEL = 'outbox';

/**
 * Writes follow-up jobs as `outbox` rows. The caller's manager is required: pass the
 * transaction's, so that the rows commit with the caller's data or not at all (a rolled-back
 * order leaves no job); passing `dataSource.manager` (autocommit) is a visible choice. The relay
 * moves committed rows onto Bull (`relayed_at`); a row is settled (`settled_at`) only when its
 * job has finished, and the relay hands over again the rows relayed but not settled within
 * OUTBOX_REDELIVER_AFTER_MS. Writing the same message twice is a no-op (its job id is unique).
 */
@Injectable()
export class OutboxService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async add(manager: EntityManager, messages: JobMessage[]): Promise<void> {
    const part = this.part(messages);
    if (part) await runPart(manager, part);
  }

  /**
   * The outbox rows of `messages` as a statement part, for an owner that writes them in one
   * statement with its own change (`runTogether`, in the caller's transaction); none for none.
   */
  part(messages: JobMessage[]): StatementPart | undefined {
    if (messages.length === 0) return undefined;
    // The NOTIFY is delivered when the caller's transaction commits (never on rollback; one per
    // transaction however many rows) and wakes the relays at once; they also poll, so a lost
    // notification only adds latency.
    return {
      sql: `INSERT INTO outbox (queue, name, job_id, payload)
            SELECT m.queue, m.name, m.job_id, m.payload
              FROM jsonb_to_recordset($1::jsonb)
                   AS m(queue text, name text, job_id text, payload jsonb)
            ON CONFLICT (job_id) DO NOTHING
            RETURNING job_id, pg_notify('${OUTBOX_CHANNEL}', '')::text AS notified`,
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
