import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { StatementPart } from '../../database/sql';

/**
 * Every statement on `checkout_requests` (the Idempotency-Keys of checkouts): claim, replay
 * lookup, pruning. Owned by the checkout module; nobody else reads it.
 */
@Injectable()
export class CheckoutRequestsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Claims (user, key) for this request and the order it is about to place, as a statement part
   * (`runTogether`) that returns a row when it claimed it and none when the key is taken. A
   * concurrent holder makes this wait until it commits (or rolls back, and then the claim
   * succeeds). An expired key is taken over. The order id is checked against
   * `orders` at commit (a deferred foreign key): the order is inserted later in the same
   * transaction.
   */
  claimPart(claim: {
    userId: string;
    key: string;
    hash: string;
    orderId: string;
    ttlHours: number;
  }): StatementPart {
    return {
      sql: `INSERT INTO checkout_requests (user_id, key, request_hash, order_id, expires_at)
            VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5))
            ON CONFLICT (user_id, key) DO UPDATE
              SET request_hash = EXCLUDED.request_hash, order_id = EXCLUDED.order_id,
                  created_at = now(), expires_at = EXCLUDED.expires_at
              WHERE checkout_requests.expires_at <= now()
            RETURNING 1 AS claimed`,
      params: [claim.userId, claim.key, claim.hash, claim.orderId, claim.ttlHours],
    };
  }

  /** The live key's request hash and order (null once that order is deleted). */
  async findLive(
    runner: EntityManager,
    userId: string,
    key: string,
  ): Promise<{ request_hash: string; order_id: string | null } | undefined> {
    const [row] = await runner.query<{ request_hash: string; order_id: string | null }[]>(
      `SELECT request_hash, order_id FROM checkout_requests
        WHERE user_id = $1 AND key = $2 AND expires_at > now()`,
      [userId, key],
    );
    return row;
  }

  /** Deletes up to `batch` expired keys; returns how many. */
  async pruneExpired(batch: number): Promise<number> {
    const [, deleted] = await this.db.query<[unknown[], number]>(
      `DELETE FROM checkout_requests WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM checkout_requests WHERE expires_at <= now() LIMIT $1))`,
      [batch],
    );
    return deleted;
  }
}
