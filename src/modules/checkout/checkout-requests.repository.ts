import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation } from '../../common/http/unreachable';
import type { Outgoing } from '../../database/pipeline';
import { prepared } from '../../database/sql';

/** The key of `checkout_requests`: (user_id, key). */
const KEY_CONSTRAINT = 'checkout_requests_pkey';

/** The Idempotency-Key is live: a checkout with it committed (replay it). */
export class KeyTakenError extends Error {
  constructor() {
    super('The Idempotency-Key is taken');
  }
}

/**
 * Every statement on `checkout_requests` (the Idempotency-Keys of checkouts): claim, replay
 * lookup, pruning. Owned by the checkout module; nobody else reads it.
 */
@Injectable()
export class CheckoutRequestsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Claims (user, key) for this request and the order it is about to place: two statements to
   * send in the order's transaction, before the order. The first deletes the key if it has
   * expired (an expired key is taken over); the second inserts the claim, and fails with
   * `KeyTakenError` when the key is live. A concurrent holder makes the insert wait until it
   * commits (then the key is taken) or rolls back (then the claim succeeds). The order id is
   * checked against `orders` at commit (a deferred foreign key).
   */
  claiming(claim: {
    userId: string;
    key: string;
    hash: string;
    orderId: string;
    ttlHours: number;
  }): [Outgoing<void>, Outgoing<void>] {
    const done = () => undefined;
    return [
      {
        statement: prepared(
          `DELETE FROM checkout_requests
            WHERE user_id = $1 AND key = $2 AND expires_at <= now()`,
          [claim.userId, claim.key],
        ),
        read: done,
      },
      {
        statement: prepared(
          `INSERT INTO checkout_requests (user_id, key, request_hash, order_id, expires_at)
           VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5))`,
          [claim.userId, claim.key, claim.hash, claim.orderId, claim.ttlHours],
        ),
        read: done,
        refusal: (error) =>
          isUniqueViolation(error, KEY_CONSTRAINT) ? new KeyTakenError() : undefined,
      },
    ];
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
