import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { DeliveryGuarantee } from './mail-delivery';

/** `last_error` prefix of an attempt whose outcome is unknown (the message may have gone out). */
export const OUTCOME_UNKNOWN = 'outcome unknown';

export type Claim =
  /** This attempt may send (the row is now 'sending', attempts counted). */
  | { kind: 'send'; attempts: number; resend: boolean }
  /** Already sent, or closed: nothing to do. */
  | { kind: 'done'; status: string }
  /** At-most-once: an earlier attempt may have sent it; closed as failed, not resent. */
  | { kind: 'interrupted' };

export interface MailRecord {
  eventKey: string;
  template: string;
  recipient: string;
  subject: string;
}

/**
 * The `mail_log` table: one row per message event (the Bull job id). A send is claimed before
 * it starts ('sending') and settled after ('sent' or 'failed'). A row found 'sending' when the
 * event comes back means an attempt died without knowing whether the server took the message
 * (an unknown outcome, counted in `unknown_outcomes`): an at-least-once event is sent again
 * (same Message-ID), an at-most-once event is closed as failed "outcome unknown" instead.
 */
@Injectable()
export class MailLogService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  claim(record: MailRecord, guarantee: DeliveryGuarantee): Promise<Claim> {
    return this.db.transaction(async (tx) => {
      const inserted: { attempts: number }[] = await tx.query(
        `INSERT INTO mail_log (event_key, template, recipient, subject, status, attempts)
         VALUES ($1, $2, $3, $4, 'sending', 1)
         ON CONFLICT (event_key) DO NOTHING
         RETURNING attempts`,
        [record.eventKey, record.template, record.recipient, record.subject.slice(0, 200)],
      );
      if (inserted.length) return { kind: 'send', attempts: inserted[0].attempts, resend: false };

      const [row]: { status: string; last_error: string | null }[] = await tx.query(
        `SELECT status, last_error FROM mail_log WHERE event_key = $1 FOR UPDATE`,
        [record.eventKey],
      );
      const interrupted = row.status === 'sending';
      const unknown = interrupted || !!row.last_error?.startsWith(OUTCOME_UNKNOWN);
      if (interrupted && guarantee === 'at-most-once') {
        await tx.query(
          `UPDATE mail_log SET status = 'failed', last_error = $2,
                  unknown_outcomes = unknown_outcomes + 1, updated_at = now()
            WHERE event_key = $1`,
          [record.eventKey, `${OUTCOME_UNKNOWN}: an attempt stopped while sending`],
        );
        return { kind: 'interrupted' };
      }
      const retryable =
        interrupted || (row.status === 'failed' && (!unknown || guarantee === 'at-least-once'));
      if (!retryable) return { kind: 'done', status: row.status };
      const [again]: { attempts: number }[] = await tx.query(
        `UPDATE mail_log SET status = 'sending', attempts = attempts + 1, recipient = $2,
                subject = $3, unknown_outcomes = unknown_outcomes + $4, updated_at = now()
          WHERE event_key = $1 RETURNING attempts`,
        [record.eventKey, record.recipient, record.subject.slice(0, 200), interrupted ? 1 : 0],
      );
      return { kind: 'send', attempts: again.attempts, resend: unknown };
    });
  }

  async sent(eventKey: string, providerMessageId: string | undefined): Promise<void> {
    await this.db.query(
      `UPDATE mail_log SET status = 'sent', provider_message_id = $2, last_error = NULL,
              sent_at = coalesce(sent_at, now()), updated_at = now()
        WHERE event_key = $1`,
      [eventKey, providerMessageId?.slice(0, 250) ?? null],
    );
  }

  /** `unknown`: the server may have taken the message (counted in `unknown_outcomes`). */
  async failed(eventKey: string, error: string, unknown = false): Promise<void> {
    await this.db.query(
      `UPDATE mail_log SET status = 'failed', last_error = $2,
              unknown_outcomes = unknown_outcomes + $3, updated_at = now()
        WHERE event_key = $1`,
      [
        eventKey,
        (unknown ? `${OUTCOME_UNKNOWN}: ${error}` : error).slice(0, 2000),
        unknown ? 1 : 0,
      ],
    );
  }

  /** An event with nothing to send (its user or order is gone): recorded and closed. */
  async skipped(record: MailRecord, reason: string): Promise<void> {
    await this.db.query(
      `INSERT INTO mail_log (event_key, template, recipient, subject, status, last_error)
       VALUES ($1, $2, $3, $4, 'skipped', $5)
       ON CONFLICT (event_key) DO NOTHING`,
      [record.eventKey, record.template, record.recipient, record.subject.slice(0, 200), reason],
    );
  }
}
