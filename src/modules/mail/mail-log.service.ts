import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** `last_error` of a send whose outcome is unknown: terminal, never sent again. */
export const OUTCOME_UNKNOWN = 'outcome unknown';

export type Claim =
  /** This attempt may send (the row is now 'sending', attempts counted). */
  | { kind: 'send'; attempts: number }
  /** Already sent, or given up at-most-once: nothing to do. */
  | { kind: 'done'; status: string }
  /** A previous attempt was interrupted after it may have sent: marked failed, not resent. */
  | { kind: 'interrupted' };

export interface MailRecord {
  eventKey: string;
  template: string;
  recipient: string;
  subject: string;
}

/**
 * The `mail_log` table: one row per message event (the Bull job id), the record that makes a
 * message go out at most once. A send is claimed before it starts ('sending') and settled
 * after ('sent' or 'failed'); a row still 'sending' when the event comes back means an attempt
 * died without knowing whether the server took the message, so the event is closed instead of
 * risking a second copy.
 */
@Injectable()
export class MailLogService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  claim(record: MailRecord): Promise<Claim> {
    return this.db.transaction(async (tx) => {
      const inserted: { attempts: number }[] = await tx.query(
        `INSERT INTO mail_log (event_key, template, recipient, subject, status, attempts)
         VALUES ($1, $2, $3, $4, 'sending', 1)
         ON CONFLICT (event_key) DO NOTHING
         RETURNING attempts`,
        [record.eventKey, record.template, record.recipient, record.subject.slice(0, 200)],
      );
      if (inserted.length) return { kind: 'send', attempts: inserted[0].attempts };

      const [row]: { status: string; last_error: string | null }[] = await tx.query(
        `SELECT status, last_error FROM mail_log WHERE event_key = $1 FOR UPDATE`,
        [record.eventKey],
      );
      if (row.status === 'sending') {
        await tx.query(
          `UPDATE mail_log SET status = 'failed', last_error = $2, updated_at = now()
            WHERE event_key = $1`,
          [record.eventKey, `${OUTCOME_UNKNOWN}: an attempt stopped while sending`],
        );
        return { kind: 'interrupted' };
      }
      if (row.status === 'failed' && !row.last_error?.startsWith(OUTCOME_UNKNOWN)) {
        const [again]: { attempts: number }[] = await tx.query(
          `UPDATE mail_log SET status = 'sending', attempts = attempts + 1, recipient = $2,
                  subject = $3, updated_at = now()
            WHERE event_key = $1 RETURNING attempts`,
          [record.eventKey, record.recipient, record.subject.slice(0, 200)],
        );
        return { kind: 'send', attempts: again.attempts };
      }
      return { kind: 'done', status: row.status };
    });
  }

  async sent(eventKey: string, providerMessageId: string | undefined): Promise<void> {
    await this.db.query(
      `UPDATE mail_log SET status = 'sent', provider_message_id = $2, last_error = NULL,
              sent_at = now(), updated_at = now()
        WHERE event_key = $1`,
      [eventKey, providerMessageId?.slice(0, 250) ?? null],
    );
  }

  async failed(eventKey: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE mail_log SET status = 'failed', last_error = $2, updated_at = now()
        WHERE event_key = $1`,
      [eventKey, error.slice(0, 2000)],
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
