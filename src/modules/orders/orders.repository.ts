import type { LockedOrder } from './order-payments';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MAX_PAGE_SIZE, timestampKey } from '../../common/pagination/cursor';
import {
  literal,
  preparedQuery,
  StatementPart,
  StatementParts,
  updateReturning,
} from '../../database/sql';
import type { PostalAddress } from '../../common/address/postal-address';
import { ORDER_STATUSES, OrderStatus } from './order-status';
import type { HistoryActor, OrderDetailView, OrderItemView, OrderView } from './order-view';

/** Order statuses in which a buyer has bought what the order holds (paid, not given back). */
const QUALIFYING = `('paid', 'shipped', 'delivered', 'partially_refunded')`;

/** What checkout hands over to place an order (prices already computed). */
export interface NewOrder {
  id: string;
  userId: string;
  currency: string;
  subtotal: number;
  tax: number;
  taxRateBps: number;
  shipping: number;
  total: number;
  buyerName: string;
  buyerEmail: string;
  shippingAddress: PostalAddress;
  note: string | null;
  lines: (OrderLineSnapshot & { variantId: string; productId: string; shopId: string })[];
}

/** A line as checkout snapshots it onto the order: what the order and its invoice show. */
export interface OrderLineSnapshot {
  sku: string;
  title: string;
  options: Record<string, string>;
  /** Minor units, as charged (positive even on a credit note). */
  unitPrice: number;
  quantity: number;
}

/** An order as the invoice of it needs it, read with the row locked. */
export interface InvoiceableOrder {
  id: string;
  number: string;
  status: OrderStatus;
  currency: string;
  subtotal: number;
  tax: number;
  tax_rate_bps: number;
  shipping: number;
  total: number;
  buyer_name: string;
  buyer_email: string;
  shipping_address: PostalAddress;
  created_at: Date;
  /** Whether the order was ever paid (sold): only then is there an invoice to issue. */
  was_paid: boolean;
  lines: (OrderLineSnapshot & { lineTotal: number })[];
}

export interface OrderViewOptions {
  /** Only this shop's lines (the merchant view); totals stay the whole order's. */
  shopId?: string;
  /** Only orders of this buyer (others are left out, as if they did not exist). */
  userId?: string;
  apiPrefix?: string;
}

/** A list's filter: SQL conditions on `orders o` with their values from `$1`. */
export interface OrderListFilter {
  /** `own`: the buyer's orders; `shop`: orders holding a shop's lines; `all`: every order. */
  userId?: string;
  shopId?: string;
  status?: OrderStatus;
}

interface OrderRow {
  id: string;
  number: string;
  status: OrderStatus;
  subtotal: number;
  tax: number;
  tax_rate_bps: number;
  shipping: number;
  total: number;
  currency: string;
  shipping_address: PostalAddress;
  note: string | null;
  created_at: Date;
  invoice_number: string | null;
  items: OrderItemView[];
  history: { from: OrderStatus | null; to: OrderStatus; at: string; by: HistoryActor }[] | null;
}

/**
 * Every statement on `orders`, `order_items` and `order_status_history`. Other modules place,
 * read and change orders through these methods (checkout places them, payments and the status
 * service change them, invoices and mail read them); nobody else queries these tables.
 */
@Injectable()
export class OrdersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * `count` new order numbers, as a part of the statement that reads the checkouts of the
   * moment together (`together`; read them with `numbersOf`). Numbers come from a sequence: one
   * taken by a checkout that then fails or replays is never used again (gaps, never
   * duplicates).
   */
  numbersPart(count: number): StatementPart {
    return {
      sql: `SELECT 'SO-' || extract(year FROM now())::int || '-'
                   || lpad(s.n::text, greatest(6, length(s.n::text)), '0') AS number
              FROM (SELECT nextval('order_number_seq') AS n FROM generate_series(1, $1::int)) s`,
      params: [count],
    };
  }

  /** The numbers a `numbersPart` took. */
  numbersOf(rows: Record<string, unknown>[]): string[] {
    return rows.map((row) => row.number as string);
  }

  /**
   * The order (under a number `numbersPart` took), all its lines and its first status, as
   * parts of the caller's statement in its transaction (`runAllTogether`); reads back the
   * order in its API shape from what they inserted.
   */
  placing(order: NewOrder & { number: string }): StatementParts<OrderView> {
    const parts: StatementPart[] = [
      {
        sql: `INSERT INTO orders (id, number, user_id, status, currency, subtotal, tax,
                                  tax_rate_bps, shipping, total, buyer_name, buyer_email,
                                  shipping_address, note)
              VALUES ($1, $2, $3, 'awaiting_payment', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
              RETURNING id, number, status, subtotal, tax, tax_rate_bps, shipping, total,
                        currency, shipping_address, note, created_at`,
        params: [
          order.id,
          order.number,
          order.userId,
          order.currency,
          order.subtotal,
          order.tax,
          order.taxRateBps,
          order.shipping,
          order.total,
          order.buyerName,
          order.buyerEmail,
          JSON.stringify(order.shippingAddress),
          order.note,
        ],
      },
      {
        sql: `INSERT INTO order_items (order_id, position, variant_id, product_id, shop_id, sku,
                                       title, options, unit_price, quantity, line_total)
              SELECT $1, l.position, l.variant_id, l.product_id, l.shop_id, l.sku, l.title,
                     l.options, l.unit_price, l.quantity, l.unit_price * l.quantity
                FROM jsonb_to_recordset($2::jsonb) AS l(position int, variant_id uuid,
                     product_id uuid, shop_id uuid, sku text, title text, options jsonb,
                     unit_price int, quantity int)
              RETURNING position, variant_id, product_id, shop_id, sku, title, options,
                        unit_price, quantity, line_total`,
        params: [
          order.id,
          JSON.stringify(
            order.lines.map((l, position) => ({
              position,
              variant_id: l.variantId,
              product_id: l.productId,
              shop_id: l.shopId,
              sku: l.sku,
              title: l.title,
              options: l.options,
              unit_price: l.unitPrice,
              quantity: l.quantity,
            })),
          ),
        ],
      },
      {
        sql: `INSERT INTO order_status_history (order_id, from_status, to_status, actor_id)
              VALUES ($1, NULL, 'awaiting_payment', $2)
              RETURNING order_id`,
        params: [order.id, order.userId],
      },
    ];
    return {
      parts,
      read: ([[inserted], items]) => {
        const row = inserted as unknown as Omit<OrderRow, 'created_at'> & { created_at: string };
        return toOrderView(
          {
            ...row,
            created_at: new Date(row.created_at),
            invoice_number: null,
            items: (items as unknown as InsertedItem[])
              .sort((a, b) => a.position - b.position)
              .map(itemView),
            history: null,
          },
          '/api/v1',
        );
      },
    };
  }

  /**
   * Orders in their API shape, in one query whatever their number (a named statement outside
   * a transaction; pass the transaction's manager to read inside one).
   */
  loadViews(
    ids: string[],
    options: OrderViewOptions = {},
    runner: DataSource | EntityManager = this.db,
  ): Promise<OrderView[]> {
    return this.queryViews(runner, ids, options, false);
  }

  /** Orders with their status history (oldest first), in one query. */
  loadDetails(
    ids: string[],
    options: OrderViewOptions = {},
    runner: DataSource | EntityManager = this.db,
  ): Promise<OrderDetailView[]> {
    return this.queryViews(runner, ids, options, true) as Promise<OrderDetailView[]>;
  }

  /**
   * A newest-first keyset page of orders in their API shape, in one statement (named but for
   * a shop's list): `limit + 1` rows (the extra one says whether a next page exists), each with
   * its cursor `key` and `extra`, the value of `extraColumn`: another owner's SQL on `o.id`
   * (the order's payment, `OrderPayments.viewColumn`), read in the same statement.
   * `filter.shopId`: only that shop's orders, each with only its lines.
   */
  async pageViews(
    filter: OrderListFilter,
    after: { at: string; id: string } | undefined,
    limit: number,
    extraColumn = 'NULL',
  ): Promise<{ key: string; view: OrderView; extra: unknown }[]> {
    const values: unknown[] = [filter.shopId ?? null];
    const conditions: string[] = [];
    if (filter.userId) {
      values.push(filter.userId);
      conditions.push(`o.user_id = $${values.length}`);
    }
    if (filter.shopId) {
      // The shop written into the text, and the statement left unnamed (one text per shop):
      // its plan is made for the shop. A shop with few orders is read from its lines, the
      // largest by date; the one generic plan for all shops read orders by date, and for a
      // shop with none that was every order of the marketplace.
      conditions.push(
        `o.id IN (SELECT it.order_id FROM order_items it
                   WHERE it.shop_id = ${literal.uuid(filter.shopId)})`,
      );
    }
    if (filter.status) {
      // Written into the text, one statement per status, so that a generic plan knows how
      // common it is: for a parameter it guesses, and read a rare status by date, dropping the
      // rest, through nearly every order.
      if (!ORDER_STATUSES.includes(filter.status)) throw new Error('Unknown order status.');
      conditions.push(`o.status = '${filter.status}'`);
    }
    if (after) {
      values.push(after.at, after.id);
      conditions.push(
        `(o.created_at, o.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`,
      );
    }
    values.push(limit + 1);
    // The page first, then its columns: the lines and the extra are read for its rows alone.
    // The page's rows are capped by a constant, the largest page, as well as by the parameter:
    // a generic plan takes `LIMIT $n` for a tenth of the rows that match, and with a column
    // read per row the planner then preferred a parallel scan of all orders and a sort
    // (test/prepared-plans.e2e-spec.ts). Rows flow one at a time, so only `limit + 1` are read.
    const text = `SELECT ${viewColumns('$1')}, ${timestampKey('o.created_at')} AS key,
              ${extraColumn} AS extra
         FROM (SELECT * FROM orders o
                ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
                ORDER BY o.created_at DESC, o.id DESC LIMIT ${MAX_PAGE_SIZE + 1}) o
        ORDER BY o.created_at DESC, o.id DESC
        LIMIT $${values.length}`;
    type Row = OrderRow & { key: string; extra: unknown };
    const rows = filter.shopId
      ? await this.db.query<Row[]>(text, values)
      : await preparedQuery<Row>(this.db, text, values);
    return rows.map((r) => ({ key: r.key, view: toOrderView(r, '/api/v1'), extra: r.extra }));
  }

  /**
   * Locks the order row `FOR UPDATE` in the caller's transaction and answers its status
   * (undefined: no such order, or not `ownerId`'s). Whoever changes an order takes this lock
   * first, so changes of one order run one after the other.
   */
  async lockStatus(
    tx: EntityManager,
    orderId: string,
    ownerId?: string,
  ): Promise<OrderStatus | undefined> {
    const rows: { status: OrderStatus }[] = await tx.query(
      `SELECT status FROM orders WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)
         FOR UPDATE`,
      [orderId, ownerId ?? null],
    );
    return rows[0]?.status;
  }

  /**
   * Sets the (locked) order's status and records the change in its history, as two parts of
   * one statement (`runTogether`) with the caller's other writes; the history part returns the
   * row's `id`. `historyId`: the id reserved for it (`reserveHistoryId`), or null for the next
   * one. `actorId` null: the system.
   */
  changeStatusParts(
    orderId: string,
    from: OrderStatus,
    to: OrderStatus,
    actorId: string | null,
    historyId: string | null,
  ): StatementPart[] {
    return [
      {
        sql: `UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 RETURNING id`,
        params: [orderId, to],
      },
      {
        sql: `INSERT INTO order_status_history (id, order_id, from_status, to_status, actor_id)
              VALUES (coalesce($5::bigint, nextval('order_status_history_id_seq')), $1, $2, $3, $4)
              RETURNING id`,
        params: [orderId, from, to, actorId, historyId],
      },
    ];
  }

  /** An id for a history row about to be written, when a job must name it in the same statement. */
  async reserveHistoryId(tx: EntityManager): Promise<string> {
    const [row] = await tx.query<{ id: string }[]>(
      `SELECT nextval('order_status_history_id_seq')::text AS id`,
    );
    return row.id;
  }

  /** The order's lines whose variant still exists, in order (what a cancellation restocks). */
  linesWithVariant(
    tx: EntityManager,
    orderId: string,
  ): Promise<{ variant_id: string; quantity: number }[]> {
    return tx.query(
      `SELECT variant_id, quantity FROM order_items
        WHERE order_id = $1 AND variant_id IS NOT NULL ORDER BY position`,
      [orderId],
    );
  }

  /** The order with its lines for its invoice, locked: invoice jobs of one order queue here. */
  async lockForInvoice(tx: EntityManager, orderId: string): Promise<InvoiceableOrder | undefined> {
    const [order] = await tx.query<InvoiceableOrder[]>(
      `SELECT o.id, o.number, o.status, o.currency, o.subtotal, o.tax, o.tax_rate_bps, o.shipping,
              o.total, o.buyer_name, o.buyer_email, o.shipping_address, o.created_at,
              EXISTS (SELECT 1 FROM order_status_history h
                       WHERE h.order_id = o.id AND h.to_status = 'paid') AS was_paid,
              (SELECT coalesce(json_agg(json_build_object(
                        'sku', i.sku, 'title', i.title, 'options', i.options,
                        'unitPrice', i.unit_price, 'quantity', i.quantity,
                        'lineTotal', i.line_total) ORDER BY i.position), '[]')
                 FROM order_items i WHERE i.order_id = o.id) AS lines
         FROM orders o
        WHERE o.id = $1
          FOR UPDATE OF o`,
      [orderId],
    );
    return order;
  }

  /** Records the number of the order's invoice once it is issued (shown in the order views). */
  async setInvoiceNumber(tx: EntityManager, orderId: string, number: string): Promise<void> {
    await tx.query(`UPDATE orders SET invoice_number = $2 WHERE id = $1`, [orderId, number]);
  }

  /** The e-mail address the order was placed with (undefined: no such order). */
  async buyerEmailOf(orderId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ buyer_email: string }[]>(
      `SELECT buyer_email FROM orders WHERE id = $1`,
      [orderId],
    );
    return row?.buyer_email;
  }

  /** Who placed the order (undefined: no such order). */
  async ownerOf(orderId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ user_id: string }[]>(
      `SELECT user_id FROM orders WHERE id = $1`,
      [orderId],
    );
    return row?.user_id;
  }

  /**
   * Whether the user holds a paid order of the product that is not cancelled, expired or fully
   * refunded. Inside a review's transaction the qualifying orders stay locked `FOR SHARE` until
   * the review is written, so a refund or cancellation either waits for it (and then hides it)
   * or has already made the buyer ineligible.
   */
  async hasPurchased(tx: EntityManager, userId: string, productId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM orders o
        WHERE o.user_id = $1 AND o.status IN ${QUALIFYING}
          AND EXISTS (SELECT 1 FROM order_items it
                       WHERE it.order_id = o.id AND it.product_id = $2)
          FOR SHARE OF o`,
      [userId, productId],
    );
    return rows.length > 0;
  }

  /**
   * After the (locked) order left the qualifying statuses: its buyer and the products of it
   * the buyer no longer holds any qualifying order of (their reviews stop counting).
   */
  async lapsedPurchases(
    tx: EntityManager,
    orderId: string,
  ): Promise<{ userId: string; productIds: string[] } | undefined> {
    const [row] = await tx.query<{ user_id: string; product_ids: string[] }[]>(
      `SELECT o.user_id,
              coalesce(array_agg(DISTINCT it.product_id)
                FILTER (WHERE it.product_id IS NOT NULL AND NOT EXISTS (
                  SELECT 1 FROM order_items it2 JOIN orders o2 ON o2.id = it2.order_id
                   WHERE it2.product_id = it.product_id AND o2.user_id = o.user_id
                     AND o2.status IN ${QUALIFYING})), '{}') AS product_ids
         FROM orders o JOIN order_items it ON it.order_id = o.id
        WHERE o.id = $1
        GROUP BY o.user_id`,
      [orderId],
    );
    return row && { userId: row.user_id, productIds: row.product_ids };
  }

  /** Locks the order row (`FOR UPDATE`) in the caller's transaction; undefined if none. */
  async lock(
    tx: EntityManager,
    orderId: string,
    ownerId?: string,
  ): Promise<LockedOrder | undefined> {
    const { sql, params } = this.lockPart(orderId, ownerId);
    const [row] = await tx.query<LockedOrder[]>(sql, params);
    return row;
  }

  /**
   * `lock` as a statement part (its row a `LockedOrder`), for an owner whose statement acts on
   * the order's other rows only once it holds the lock: it runs the part first, as a
   * `MATERIALIZED` CTE that the rest reads from.
   */
  lockPart(orderId: string, ownerId?: string): StatementPart {
    return {
      sql: `SELECT id, number, user_id AS "userId", status, total, trim(currency) AS currency
              FROM orders WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)
               FOR UPDATE`,
      params: [orderId, ownerId ?? null],
    };
  }

  /** As `lock`, but another transaction holding the order makes it return `skipped`. */
  async lockOrSkip(tx: EntityManager, orderId: string): Promise<LockedOrder | 'skipped'> {
    const [row] = await tx.query<LockedOrder[]>(
      `SELECT id, number, user_id AS "userId", status, total, trim(currency) AS currency
         FROM orders WHERE id = $1 FOR UPDATE SKIP LOCKED`,
      [orderId],
    );
    return row ?? 'skipped';
  }

  /**
   * Account deletion keeps the orders (bookkeeping) but not who placed them: the buyer's name,
   * e-mail, delivery address (all but the country, kept for tax reporting) and note are erased,
   * in the caller's transaction.
   */
  async anonymiseBuyer(tx: EntityManager, userId: string, anonymousEmail: string): Promise<void> {
    await updateReturning(
      tx,
      `UPDATE orders
          SET buyer_name = 'Deleted user', buyer_email = $2, note = NULL,
              shipping_address = jsonb_build_object('country', shipping_address->>'country'),
              updated_at = now()
        WHERE user_id = $1`,
      [userId, anonymousEmail],
    );
  }

  private async queryViews(
    runner: DataSource | EntityManager,
    ids: string[],
    options: OrderViewOptions,
    withHistory: boolean,
  ): Promise<(OrderView | OrderDetailView)[]> {
    if (ids.length === 0) return [];
    const rows = await preparedQuery<OrderRow>(
      runner,
      `SELECT ${viewColumns('$2')},
              CASE WHEN $3::boolean THEN
                (SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'from', h.from_status, 'to', h.to_status, 'at', h.created_at,
                          'by', CASE WHEN h.actor_id IS NULL THEN 'system'
                                     WHEN h.actor_id = o.user_id THEN 'buyer'
                                     ELSE 'staff' END) ORDER BY h.id), '[]'::jsonb)
                   FROM order_status_history h WHERE h.order_id = o.id)
              END AS history
         FROM orders o
        WHERE o.id = ANY($1::uuid[]) AND ($4::uuid IS NULL OR o.user_id = $4)
        ORDER BY array_position($1::uuid[], o.id)`,
      [ids, options.shopId ?? null, withHistory, options.userId ?? null],
    );
    const prefix = options.apiPrefix ?? '/api/v1';
    return rows.map((r) => ({
      ...toOrderView(r, prefix),
      ...(r.history
        ? {
            history: r.history.map((h) => ({
              from: h.from,
              to: h.to,
              at: new Date(h.at),
              by: h.by,
            })),
          }
        : {}),
    }));
  }
}

/**
 * The columns of an order's API shape on `orders o` (its lines as JSON); `shopId`: the parameter
 * (`$n`) of the shop whose lines alone are shown, or null for all lines. The lines are `json`,
 * cheaper to build than `jsonb`, with their keys in the order `itemView` gives a placed order's
 * lines (shortest first, as `jsonb` once gave them): the same answer, byte for byte.
 */
const viewColumns = (shopId: string): string =>
  `o.id, o.number, o.status, o.subtotal, o.tax, o.tax_rate_bps, o.shipping, o.total,
   o.currency, o.shipping_address, o.note, o.created_at, o.invoice_number,
   (SELECT coalesce(json_agg(json_build_object(
             'sku', it.sku, 'title', it.title, 'shopId', it.shop_id, 'options', it.options,
             'quantity', it.quantity, 'lineTotal', it.line_total, 'productId', it.product_id,
             'unitPrice', it.unit_price, 'variantId', it.variant_id) ORDER BY it.position), '[]')
      FROM order_items it
     WHERE it.order_id = o.id AND (${shopId}::uuid IS NULL OR it.shop_id = ${shopId})) AS items`;

/** A line as `placing` inserted it (a JSON row). */
interface InsertedItem {
  position: number;
  variant_id: string;
  product_id: string;
  shop_id: string;
  sku: string;
  title: string;
  options: Record<string, string>;
  unit_price: number;
  quantity: number;
  line_total: number;
}

/** An inserted line in its API shape, its keys in the order `viewColumns` gives them. */
function itemView(l: InsertedItem): OrderItemView {
  return {
    sku: l.sku,
    title: l.title,
    shopId: l.shop_id,
    options: l.options,
    quantity: l.quantity,
    lineTotal: l.line_total,
    productId: l.product_id,
    unitPrice: l.unit_price,
    variantId: l.variant_id,
  };
}

function toOrderView(r: OrderRow, prefix: string): OrderView {
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    items: r.items,
    subtotal: r.subtotal,
    tax: r.tax,
    taxRateBps: r.tax_rate_bps,
    shipping: r.shipping,
    total: r.total,
    currency: r.currency.trim(),
    shippingAddress: r.shipping_address,
    note: r.note,
    invoice: r.invoice_number
      ? { number: r.invoice_number, url: `${prefix}/orders/${r.id}/invoice` }
      : null,
    creditNotes: [],
    payment: null,
    paymentDueAt: null,
    createdAt: r.created_at,
  };
}
