import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import {
  preparedQuery,
  runPart,
  shiftParams,
  StatementPart,
  updateReturning,
} from '../../database/sql';
import type { LockedOrder, OrderPaymentView, OrderRefundView } from '../orders/order-payments';
import type { PaymentAttention, PaymentStatus } from './payment-types';
import type { RefundOrigin, RefundPayout, RefundStatus } from './payment-types';
import type { PaymentEvent, PaymentProviderName, StartedPayment } from './payment-provider';

type Runner = DataSource | EntityManager;

export interface PaymentRow {
  id: string;
  orderId: string;
  provider: PaymentProviderName;
  status: PaymentStatus;
  amount: number;
  paidAmount: number;
  refundedAmount: number;
  currency: string;
  providerReference: string | null;
  clientData: Record<string, unknown>;
  expiresAt: Date;
  attention: PaymentAttention | null;
  /** When the order became paid; null for money that never paid it (late, partial). */
  paidAt: Date | null;
}

export interface RefundRow {
  id: string;
  paymentId: string;
  orderId: string;
  amount: number;
  reason: string;
  origin: RefundOrigin;
  status: RefundStatus;
  payout: RefundPayout;
  providerRefundId: string | null;
  createdAt: Date;
}

const PAYMENT_COLUMNS = `p.id, p.order_id AS "orderId", p.provider, p.status, p.amount,
  p.paid_amount AS "paidAmount", p.refunded_amount AS "refundedAmount",
  trim(p.currency) AS currency, p.provider_reference AS "providerReference",
  p.client_data AS "clientData", p.expires_at AS "expiresAt", p.attention,
  p.paid_at AS "paidAt"`;

/** What a webhook event may read of its payment before the order is locked: it never changes. */
export interface PaymentRef {
  id: string;
  orderId: string;
  currency: string;
}

type PaymentChanges = Partial<
  Pick<PaymentRow, 'status' | 'paidAmount' | 'refundedAmount' | 'attention'> & {
    paidNow: boolean;
    lastFailure: string;
  }
>;

/** Money received for a payment, unique per (provider, key). */
export interface Receipt {
  paymentId: string;
  provider: PaymentProviderName;
  key: string;
  amount: number;
  reference: string | null;
  receivedAt: Date;
  recordedBy: string | null;
}

const RECEIPT_INSERT = `INSERT INTO payment_receipts (payment_id, provider, key, amount, reference,
                                   received_at, recorded_by)
  VALUES ($1, $2, $3, $4, $5, $6, $7)
  ON CONFLICT (provider, key) DO NOTHING RETURNING id`;

const receiptParams = (r: Receipt) => [
  r.paymentId,
  r.provider,
  r.key,
  r.amount,
  r.reference,
  r.receivedAt,
  r.recordedBy,
];

const REFUND_COLUMNS = `r.id, r.payment_id AS "paymentId", r.order_id AS "orderId", r.amount,
  r.reason, r.origin, r.status, r.payout, r.provider_refund_id AS "providerRefundId",
  r.created_at AS "createdAt"`;

/**
 * Every statement on the payments tables (payments, payment_receipts, payment_events,
 * refunds). Writes take the caller's transaction, which holds the order row locked.
 */
@Injectable()
export class PaymentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * A new pending payment, as a statement part to run with the caller's other writes of the
   * order's placement (`runTogether`); `paymentOf` reads its row from the part's result.
   */
  createPart(
    input: {
      orderId: string;
      provider: PaymentProviderName;
      amount: number;
      currency: string;
      windowSeconds: number;
    } & (
      | {
          /** The creating request starts the payment: it holds the start claim this long. */
          startClaimSeconds: number;
        }
      | {
          /** Started already (a provider that calls no one): written with what it answered. */
          started: StartedPayment;
        }
    ),
  ): StatementPart {
    const [started, claimSeconds] =
      'started' in input ? [input.started, null] : [undefined, input.startClaimSeconds];
    return {
      sql: `INSERT INTO payments AS p (order_id, provider, amount, currency, expires_at,
                                       start_claimed_until, provider_reference, client_data)
            VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5),
                    now() + make_interval(secs => $6), $7, $8)
            RETURNING ${PAYMENT_COLUMNS}`,
      params: [
        input.orderId,
        input.provider,
        input.amount,
        input.currency,
        input.windowSeconds,
        claimSeconds,
        started?.providerReference ?? null,
        JSON.stringify(started?.clientData ?? {}),
      ],
    };
  }

  /** A payment row that came back as JSON (`createPart`'s), its timestamps as dates again. */
  paymentOf(json: Record<string, unknown>): PaymentRow {
    const row = json as unknown as PaymentRow & { expiresAt: string; paidAt: string | null };
    return {
      ...row,
      expiresAt: new Date(row.expiresAt),
      paidAt: row.paidAt === null ? null : new Date(row.paidAt),
    };
  }

  /** A payment a `createPart` wrote started, as the order's answer shows it (no refunds yet). */
  startedViewOf(rows: Record<string, unknown>[]): OrderPaymentView {
    return paymentView({ ...this.paymentOf(rows[0]), refunds: [] });
  }

  /**
   * Claims the start of a pending payment that has not started and that no one is starting
   * (no claim, or an expired one: its request died); false when someone else holds it.
   */
  async claimStart(paymentId: string, seconds: number): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      this.db,
      `UPDATE payments SET start_claimed_until = now() + make_interval(secs => $2)
        WHERE id = $1 AND status = 'pending' AND client_data = '{}'::jsonb
          AND (start_claimed_until IS NULL OR start_claimed_until <= now())
        RETURNING id`,
      [paymentId, seconds],
    );
    return rows.length > 0;
  }

  /** Gives a start claim up (the provider call failed): the next replay starts at once. */
  async releaseStart(paymentId: string): Promise<void> {
    await this.db.query(`UPDATE payments SET start_claimed_until = NULL WHERE id = $1`, [
      paymentId,
    ]);
  }

  /**
   * Stores what the provider answered to `start` (once; a second start changes nothing) and
   * answers the payment as it now stands, in its API shape.
   */
  async recordStart(
    paymentId: string,
    providerReference: string | null,
    clientData: Record<string, unknown>,
  ): Promise<OrderPaymentView | undefined> {
    const [row] = await updateReturning<PaymentViewRow>(
      this.db,
      `UPDATE payments p SET provider_reference = coalesce(provider_reference, $2),
              client_data = $3, start_claimed_until = NULL, updated_at = now()
        WHERE id = $1
       RETURNING ${PAYMENT_COLUMNS}, ${REFUNDS_OF_PAYMENT} AS refunds`,
      [paymentId, providerReference, JSON.stringify(clientData)],
    );
    return row && paymentView(row);
  }

  async findByOrder(runner: Runner, orderId: string): Promise<PaymentRow | undefined> {
    const [row] = await runner.query<PaymentRow[]>(
      `SELECT ${PAYMENT_COLUMNS} FROM payments p WHERE p.order_id = $1`,
      [orderId],
    );
    return row;
  }

  async update(tx: EntityManager, paymentId: string, changes: PaymentChanges): Promise<void> {
    await runPart(tx, this.updatePart(paymentId, changes));
  }

  /** `update` as a statement part, to run with the order's transition (`runTogether`). */
  updatePart(paymentId: string, changes: PaymentChanges): StatementPart {
    return {
      sql: `UPDATE payments SET
              status = coalesce($2, status),
              paid_amount = coalesce($3, paid_amount),
              refunded_amount = coalesce($4, refunded_amount),
              attention = CASE WHEN $5::boolean THEN $6 ELSE attention END,
              paid_at = CASE WHEN $7::boolean THEN coalesce(paid_at, now()) ELSE paid_at END,
              last_failure = coalesce($8, last_failure),
              updated_at = now()
            WHERE id = $1 RETURNING id`,
      params: [
        paymentId,
        changes.status ?? null,
        changes.paidAmount ?? null,
        changes.refundedAmount ?? null,
        'attention' in changes,
        changes.attention ?? null,
        changes.paidNow ?? false,
        changes.lastFailure ?? null,
      ],
    };
  }

  /** Records money received; false when this (provider, key) was already counted. */
  async addReceipt(tx: EntityManager, receipt: Receipt): Promise<boolean> {
    const rows: unknown[] = await tx.query(RECEIPT_INSERT, receiptParams(receipt));
    return rows.length > 0;
  }

  /**
   * Stores a webhook event by (provider, event id) and finds the payment it is about (by the
   * provider's reference, or the order id it echoes): undefined when the event was stored
   * before. A concurrent duplicate waits here until the first one's transaction ends. Only what
   * never changes is read of the payment (the order is not locked yet).
   */
  async addEvent(
    tx: EntityManager,
    provider: PaymentProviderName,
    event: PaymentEvent,
  ): Promise<{ id: string; payment: PaymentRef | undefined } | undefined> {
    // Prepared, as every statement of a paying webhook (its plan: the unique keys' indexes).
    const [row] = await preparedQuery<{
      id: string;
      paymentId: string | null;
      orderId: string;
      currency: string;
    }>(
      tx,
      `WITH stored AS (
         INSERT INTO payment_events (provider, event_id, type, provider_reference, amount,
                                     currency, occurred_at, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'received')
         ON CONFLICT (provider, event_id) DO NOTHING RETURNING id
       )
       SELECT stored.id, p.id AS "paymentId", p.order_id AS "orderId",
              trim(p.currency) AS currency
         FROM stored
         LEFT JOIN LATERAL (
           SELECT id, order_id, currency FROM payments
            WHERE provider = $1
              AND (provider_reference = $4 OR ($8::uuid IS NOT NULL AND order_id = $8::uuid))
            ORDER BY (provider_reference = $4) DESC LIMIT 1
         ) p ON true`,
      [
        provider,
        event.eventId,
        event.type,
        event.providerReference,
        event.amount,
        event.currency.slice(0, 3).toUpperCase(),
        event.occurredAt,
        event.orderId,
      ],
    );
    if (!row) return undefined;
    const { id, paymentId, orderId, currency } = row;
    return { id, payment: paymentId ? { id: paymentId, orderId, currency } : undefined };
  }

  /**
   * Locks the order (`lockOrder`: the orders module's `lockPart`, run first), then reads the
   * payment `FOR UPDATE` and records money received for it (`addReceipt`), in one statement.
   * Read after the lock and locked itself, the payment is the latest committed row even when
   * the statement waited for the order; the receipt's unique key is taken only under the
   * order's lock (taken before it, it could deadlock with the lock's holder inserting the same
   * key). `fresh` false when the receipt was counted before; undefined when the order is gone.
   */
  async lockAndReceive(
    tx: EntityManager,
    lockOrder: StatementPart,
    receipt: Receipt,
  ): Promise<{ order: LockedOrder; fresh: boolean; payment: PaymentRow } | undefined> {
    const receive: StatementPart = {
      sql: `payment AS (
              SELECT ${PAYMENT_COLUMNS}
                FROM locked
                JOIN LATERAL (SELECT * FROM payments
                               WHERE id = $1 AND order_id = locked.id FOR UPDATE) p ON true
            ),
            receipt AS (
              INSERT INTO payment_receipts (payment_id, provider, key, amount, reference,
                                            received_at, recorded_by)
              SELECT id, $2, $3, $4, $5, $6::timestamptz, $7::uuid FROM payment
              ON CONFLICT (provider, key) DO NOTHING RETURNING id
            )
            SELECT (SELECT row_to_json(locked) FROM locked) AS "order",
                   (SELECT row_to_json(payment) FROM payment) AS payment,
                   EXISTS (SELECT 1 FROM receipt) AS fresh`,
      params: receiptParams(receipt),
    };
    const [row] = await preparedQuery<{
      order: LockedOrder | null;
      payment: Record<string, unknown> | null;
      fresh: boolean;
    }>(
      tx,
      `WITH locked AS MATERIALIZED (${lockOrder.sql}),\n${shiftParams(receive, lockOrder.params.length)}`,
      [...lockOrder.params, ...receive.params],
    );
    if (!row.order || !row.payment) return undefined;
    return { order: row.order, fresh: row.fresh, payment: this.paymentOf(row.payment) };
  }

  /** Records what applying a stored event did, as a part of the statement that does it. */
  settleEventPart(id: string, paymentId: string | null, outcome: string): StatementPart {
    return {
      sql: `UPDATE payment_events SET payment_id = $2, outcome = $3 WHERE id = $1 RETURNING id`,
      params: [id, paymentId, outcome.slice(0, 200)],
    };
  }

  async settleEvent(
    tx: EntityManager,
    id: string,
    paymentId: string | null,
    outcome: string,
  ): Promise<void> {
    await runPart(tx, this.settleEventPart(id, paymentId, outcome));
  }

  async createRefund(
    tx: EntityManager,
    refund: {
      paymentId: string;
      orderId: string;
      amount: number;
      reason: string;
      origin: RefundOrigin;
      requestedBy: string | null;
      status?: RefundStatus;
      providerRefundId?: string | null;
    },
  ): Promise<RefundRow> {
    const [row] = await tx.query<RefundRow[]>(
      `INSERT INTO refunds AS r (payment_id, order_id, amount, reason, origin, requested_by, status,
                              provider_refund_id, settled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::varchar, $8, CASE WHEN $7::varchar = 'pending' THEN NULL ELSE now() END)
       RETURNING ${REFUND_COLUMNS}`,
      [
        refund.paymentId,
        refund.orderId,
        refund.amount,
        refund.reason,
        refund.origin,
        refund.requestedBy,
        refund.status ?? 'pending',
        refund.providerRefundId ?? null,
      ],
    );
    return row;
  }

  async findRefund(runner: Runner, refundId: string): Promise<RefundRow | undefined> {
    const [row] = await runner.query<RefundRow[]>(
      `SELECT ${REFUND_COLUMNS} FROM refunds r WHERE r.id = $1`,
      [refundId],
    );
    return row;
  }

  /** Records the number of the refund's credit note once issued (shown in the order views). */
  async setCreditNoteNumber(tx: EntityManager, refundId: string, number: string): Promise<void> {
    await tx.query(`UPDATE refunds SET credit_note_number = $2 WHERE id = $1`, [refundId, number]);
  }

  /** Marks a pending refund done or failed; false when it was not pending any more. */
  async settleRefund(
    tx: EntityManager,
    refundId: string,
    result:
      | { status: 'succeeded'; providerRefundId: string | null; payout: RefundPayout }
      | { status: 'failed'; failure: string },
  ): Promise<boolean> {
    const rows = await updateReturning<{ id: string }>(
      tx,
      `UPDATE refunds SET status = $2, provider_refund_id = $3, payout = coalesce($4, payout),
              failure = $5, settled_at = now()
        WHERE id = $1 AND status = 'pending' RETURNING id`,
      [
        refundId,
        result.status,
        result.status === 'succeeded' ? result.providerRefundId : null,
        result.status === 'succeeded' ? result.payout : null,
        result.status === 'failed' ? result.failure.slice(0, 300) : null,
      ],
    );
    return rows.length > 0;
  }

  /** The sum of a payment's refunds carried out. */
  async succeededRefunds(tx: EntityManager, paymentId: string): Promise<number> {
    const [row] = await tx.query<{ sum: number }[]>(
      `SELECT coalesce(sum(amount), 0)::int AS sum FROM refunds
        WHERE payment_id = $1 AND status = 'succeeded'`,
      [paymentId],
    );
    return row.sum;
  }

  /** Orders whose payment window has passed unpaid, oldest deadline first. */
  async dueForExpiry(limit: number): Promise<string[]> {
    const rows = await this.db.query<{ order_id: string }[]>(
      `SELECT order_id FROM payments
        WHERE status = 'pending' AND expires_at <= now()
        ORDER BY expires_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.order_id);
  }

  /** Refunds still pending after `olderThanSeconds` (their job may have been lost). */
  async stalePendingRefunds(olderThanSeconds: number, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }[]>(
      `SELECT id FROM refunds
        WHERE status = 'pending' AND created_at <= now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT $2`,
      [olderThanSeconds, limit],
    );
    return rows.map((r) => r.id);
  }

  /**
   * SQL of one column for another owner's statement: the payment of the order whose id is
   * `orderId` (an SQL expression of that statement, e.g. `o.id`) as one JSON value with its
   * refunds, or null. The orders module reads a page of orders and their payments in one
   * statement with it; `viewOf` turns the value into the API shape.
   */
  viewColumn(orderId: string): string {
    return `(SELECT to_json(v) FROM (SELECT ${PAYMENT_COLUMNS}, ${REFUNDS_OF_PAYMENT} AS refunds
               FROM payments p WHERE p.order_id = ${orderId}) v)`;
  }

  /** A `viewColumn` value in its API shape (its timestamps came as JSON text). */
  viewOf(value: PaymentViewJson | null): OrderPaymentView | null {
    return value && paymentView({ ...value, expiresAt: new Date(value.expiresAt), paidAt: null });
  }

  /** The payments of these orders in their API shape, with their refunds, in one query. */
  async views(orderIds: string[]): Promise<Map<string, OrderPaymentView>> {
    const rows = await this.db.query<PaymentViewRow[]>(
      `SELECT ${PAYMENT_COLUMNS}, ${REFUNDS_OF_PAYMENT} AS refunds
         FROM payments p WHERE p.order_id = ANY($1::uuid[])`,
      [orderIds],
    );
    return new Map(rows.map((r) => [r.orderId, paymentView(r)]));
  }
}

/**
 * A payment's refunds, oldest first, as a JSON array (a subquery on `payments p`): `json`,
 * cheaper to build than `jsonb`, its keys in the order `jsonb` gave them (shortest first).
 */
const REFUNDS_OF_PAYMENT = `(SELECT coalesce(json_agg(json_build_object(
    'id', r.id, 'amount', r.amount, 'payout', r.payout, 'reason', r.reason,
    'status', r.status, 'createdAt', r.created_at,
    'creditNoteNumber', r.credit_note_number) ORDER BY r.created_at), '[]')
   FROM refunds r
  WHERE r.payment_id = p.id)`;

type PaymentViewRow = PaymentRow & { refunds: (OrderRefundView & { createdAt: string })[] };

/** A `viewColumn` value: the row as JSON (timestamps as text). */
export type PaymentViewJson = Omit<PaymentViewRow, 'expiresAt' | 'paidAt'> & {
  expiresAt: string;
  paidAt: string | null;
};

function paymentView(r: PaymentViewRow): OrderPaymentView {
  return {
    // What the client needs to pay, only while there is something to pay.
    ...(r.status === 'pending' ? r.clientData : {}),
    id: r.id,
    provider: r.provider,
    status: r.status,
    amount: r.amount,
    paidAmount: r.paidAmount,
    refundedAmount: r.refunds
      .filter((f) => f.status === 'succeeded')
      .reduce((sum, f) => sum + f.amount, 0),
    currency: r.currency,
    expiresAt: r.expiresAt,
    attention: r.attention,
    refunds: r.refunds.map((f) => ({ ...f, createdAt: new Date(f.createdAt) })),
  };
}
