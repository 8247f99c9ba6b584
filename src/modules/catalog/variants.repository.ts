import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CoalescedBatch } from '../../common/async/coalesced-batch';
import { isUuidText } from '../../common/text/uuid';
import { prepared, preparedQuery, run, StatementPart } from '../../database/sql';
import type { Statement } from '../../database/pipeline';
import type { StockReason } from './catalog-types';

/** A cart line as the catalog prices it: the variant and product now (nulls: deleted). */
export interface PricedLine {
  variant_id: string;
  quantity: number;
  product_id: string | null;
  title: string | null;
  sku: string | null;
  options: Record<string, string> | null;
  price: number | null;
  available: boolean;
}

/** A variant as adding it to a cart reads it. */
export interface SellableVariant {
  id: string;
  archived: boolean;
  status: string;
  product_id: string;
  title: string;
  sku: string;
  options: Record<string, string>;
  price: number;
  stock: number;
}

/** A cart line as checkout snapshots it onto the order. */
export interface CheckoutLine {
  variantId: string;
  quantity: number;
  exists: boolean;
  archived: boolean | null;
  status: string | null;
  productId: string | null;
  shopId: string | null;
  title: string | null;
  sku: string | null;
  options: Record<string, string> | null;
  price: number | null;
}

/** What the low-stock notice names. */
export interface LowStockSubject {
  sku: string;
  product_id: string;
  title: string;
  shop_name: string;
  merchant_id: string;
}

/** A variant as `changeStock` locked it, and its stock after the change (null: not written). */
export interface StockChangeRow {
  id: string;
  before: number;
  after: number | null;
}

/** A line of a refused stock change: its net change, and the stock locked (null: no variant). */
export interface RefusedStockLine {
  id: string;
  stock: number | null;
  delta: number;
}

/** The SQLSTATE of `refuse_stock_change` (migration StockChangeRefusal). */
const STOCK_CHANGE_REFUSED = 'SC409';

/**
 * The lines of a stock change that `changeStock` refused (a variant missing, or a net change
 * that would take one below 0; nothing was written, and the transaction is aborted), read from
 * the error the statement failed with; undefined for any other error. The driver's error and
 * TypeORM's wrapping of it both carry the SQLSTATE and the detail.
 */
export function refusedStockLines(error: unknown): RefusedStockLine[] | undefined {
  const { code, detail } = (error ?? {}) as { code?: unknown; detail?: unknown };
  if (code !== STOCK_CHANGE_REFUSED || typeof detail !== 'string') return undefined;
  return JSON.parse(detail) as RefusedStockLine[];
}

/**
 * Writes the low-stock notices of a stock change inside its statement: given the name of the
 * statement's relation of threshold crossings (`variant_id`, `movement_id`, `stock`, `threshold`),
 * a data-modifying statement that writes one notice per row (the outbox's, `OutboxService`).
 */
export type CrossingNotices = (crossings: string) => string;

/** One `stock_movements` row to write (its resulting stock is worked out by `changeStock`). */
export interface StockMovementInput {
  variantId: string;
  delta: number;
  reason: StockReason;
  actorId: string | null;
  orderId: string | null;
  note: string | null;
}

/**
 * The variant `c.variant_id` with its product as `v` (all null when the variant is gone), looked
 * up by key: `LATERAL … LIMIT 1`, which the planner cannot flatten. Joined plainly, the generic
 * plan of a named statement joined the lines by hash over a scan of every variant of a small
 * catalog.
 */
const VARIANT_OF_C = `LEFT JOIN LATERAL (
    SELECT v.id, v.archived, p.status, v.product_id, p.shop_id, p.title, v.sku, v.options,
           v.price, v.stock
      FROM product_variants v JOIN products p ON p.id = v.product_id
     WHERE v.id = c.variant_id
     LIMIT 1) v ON true`;

/** Variants $1 as `c`, each with its variant as `v`. */
const FROM_VARIANTS = `FROM unnest($1::uuid[]) AS c(variant_id) ${VARIANT_OF_C}`;
/**
 * A variant's place among those read in the order cart lines are listed and an order's lines
 * placed (title, SKU, variant id; a variant that is gone last): the order of any of them
 * follows from their places, in PostgreSQL's collation.
 */
const PLACE = `row_number() OVER (ORDER BY v.title NULLS LAST, v.sku, c.variant_id)::int AS place`;

/** Variants ($1 ids) as carts show them, each with its `place` among them. */
const CURRENT_VARIANTS = `SELECT c.variant_id, v.id, v.archived, v.status, v.product_id, v.title, v.sku,
         v.options, v.price, v.stock, ${PLACE}
    ${FROM_VARIANTS}`;

/** A variant as `CURRENT_VARIANTS` reads it: as a cart line shows it, or all null (gone). */
type CurrentVariant = { variant_id: string; place: number } & (SellableVariant | Gone);
type Gone = { [K in keyof SellableVariant]: null };

const MISSING: Gone & { place: number } = {
  id: null,
  archived: null,
  status: null,
  product_id: null,
  title: null,
  sku: null,
  options: null,
  price: null,
  stock: null,
  place: Number.MAX_SAFE_INTEGER,
};

const GONE_LINE: Omit<CheckoutLine, 'quantity' | 'variantId'> & { place: number } = {
  exists: false,
  archived: null,
  status: null,
  productId: null,
  shopId: null,
  title: null,
  sku: null,
  options: null,
  price: null,
  place: Number.MAX_SAFE_INTEGER,
};

/**
 * The catalog's variant reads other modules need (cart prices, checkout snapshots, the
 * low-stock notice) and every statement on stock: `product_variants.stock` and its movement
 * log `stock_movements` change together, in one statement, only here. The rules of a stock
 * change (lock order, no negative stock, low-stock notices) are InventoryService's, which is
 * the one caller of `changeStock` besides a new variant's initial stock.
 */
@Injectable()
export class VariantsRepository {
  /**
   * Variants as carts show them now, read for the cart requests of the moment together
   * (CoalescedBatch): every request's read is still sent after it arrived. A key that is no
   * uuid is answered as a variant that does not exist, without failing the others' read.
   */
  private readonly current = new CoalescedBatch<string, CurrentVariant>(async (ids) => {
    const asked = [...new Set(ids)].filter(isUuidText);
    const rows = asked.length
      ? await preparedQuery<CurrentVariant>(this.db, CURRENT_VARIANTS, [asked])
      : [];
    const byId = new Map(rows.map((row) => [row.variant_id, row]));
    return ids.map((id) => byId.get(id) ?? { ...MISSING, variant_id: id });
  });

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Whether the variant exists (undefined: it does not) and may be sold, with what a cart line
   * of it shows (so that a cart holding only this line needs no second read). Read with the
   * concurrent requests' variants (`current`).
   */
  async sellability(variantId: string): Promise<SellableVariant | undefined> {
    const variant = await this.current.load(variantId);
    return variant.id === null ? undefined : variant;
  }

  /**
   * Prices cart lines, in the order checkout places them (by title, SKU, variant id), from one
   * read shared with the concurrent requests' lines (`current`).
   */
  async priceLines(lines: { variantId: string; quantity: number }[]): Promise<PricedLine[]> {
    const variants = await this.current.loadAll(lines.map((line) => line.variantId));
    return lines
      .map((line, i) => ({ line, variant: variants[i] }))
      .sort((a, b) => a.variant.place - b.variant.place)
      .map(({ line, variant: v }) => ({
        variant_id: line.variantId,
        quantity: line.quantity,
        product_id: v.product_id,
        title: v.title,
        sku: v.sku,
        options: v.options,
        price: v.price,
        available:
          v.id !== null && !v.archived && v.status === 'published' && v.stock >= line.quantity,
      }));
  }

  /**
   * The variants of checkouts' carts with their products as they are now, each with its
   * `place` among them in the order an order's lines are placed (title, SKU, variant id; a
   * variant that is gone last): a read for the checkouts of the moment together, with their
   * order numbers (`CheckoutService`). Rows for `checkoutLinesOf`.
   */
  checkoutVariantsPart(variantIds: string[]): StatementPart {
    return {
      sql: `SELECT c.variant_id AS "variantId", v.id IS NOT NULL AS exists, v.archived, v.status,
                   v.product_id AS "productId", v.shop_id AS "shopId", v.title, v.sku, v.options,
                   v.price, ${PLACE}
              ${FROM_VARIANTS}`,
      params: [variantIds],
    };
  }

  /**
   * A cart's lines as an order places them, from the rows of a `checkoutVariantsPart` that
   * read their variants (JSON values: every column is a JSON type), in their places' order; a
   * variant it did not read is one that does not exist.
   */
  checkoutLinesOf(
    lines: { variantId: string; quantity: number }[],
    rows: Record<string, unknown>[],
  ): CheckoutLine[] {
    const read = new Map(
      (rows as unknown as (Omit<CheckoutLine, 'quantity'> & { place: number })[]).map((row) => [
        row.variantId,
        row,
      ]),
    );
    const placed = lines.map((line) => {
      // Not read (not a uuid): no such variant.
      const { place, ...variant } = read.get(line.variantId) ?? {
        ...GONE_LINE,
        variantId: line.variantId,
      };
      return { place, line: { ...variant, quantity: line.quantity } };
    });
    return placed.sort((a, b) => a.place - b.place).map(({ line }) => line);
  }

  /** The merchant (shop owner) of a variant; undefined when the variant does not exist. */
  async merchantOf(variantId: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ merchant_id: string }[]>(
      `SELECT s.merchant_id FROM product_variants v
         JOIN products p ON p.id = v.product_id JOIN shops s ON s.id = p.shop_id
        WHERE v.id = $1`,
      [variantId],
    );
    return row?.merchant_id;
  }

  /** What the low-stock notice names: the variant, its product and shop, the shop's owner. */
  async lowStockSubject(variantId: string): Promise<LowStockSubject | undefined> {
    const [row] = await this.db.query<LowStockSubject[]>(
      `SELECT v.sku, p.id AS product_id, p.title, s.name AS shop_name, s.merchant_id
         FROM product_variants v
         JOIN products p ON p.id = v.product_id
         JOIN shops s ON s.id = p.shop_id
        WHERE v.id = $1`,
      [variantId],
    );
    return row;
  }

  /**
   * A stock change in one statement (one round trip, the variants locked the shortest time):
   * `change_stock` (migration ChangeStockFunction) locks the variants in id order, NO KEY
   * UPDATE (what the UPDATE takes anyway: serializes stock changes, yet does not wait for, nor
   * deadlock with, the KEY SHARE locks that foreign keys to the variant take). Unless every
   * variant exists and no net change takes one below 0, the statement fails
   * (`refuse_stock_change`, read by `refusedStockLines`) having written nothing; otherwise it
   * applies each variant's net change, and the statement writes a movement row per line, in
   * the order given, each with the stock it leaves (the locked stock plus the running sum of
   * that variant's deltas), and, with `notices`, a low-stock notice per variant taken from above
   * its threshold to at or below it, named after its last movement. Answers every variant: its
   * stock before and after.
   *
   * Its text is the same for every change (the values are parameters), so it is prepared once
   * per connection (`name`) and can be sent in one message with the transaction's COMMIT
   * (`queryAndCommit`). Its generic plan reads no catalog table: the function finds each
   * variant by key.
   */
  changeStockStatement(
    net: Map<string, number>,
    movements: StockMovementInput[],
    notices?: CrossingNotices,
  ): Statement {
    const noticed = notices
      ? `, crossed AS (
         SELECT c.id AS variant_id, c.after AS stock, c.threshold,
                (SELECT max(m.id) FROM moved m WHERE m.variant_id = c.id) AS movement_id
           FROM changed c
          WHERE c.before > c.threshold AND c.after <= c.threshold
       ), noticed AS (${notices('crossed')})`
      : '';
    return prepared(
      `WITH changed AS MATERIALIZED (
         SELECT * FROM change_stock($1::uuid[], $2::int[])
       ), lines AS (
         SELECT * FROM jsonb_to_recordset($3::jsonb) AS l(
           ord int, "variantId" uuid, delta int, reason text, "actorId" uuid, "orderId" uuid,
           note text)
       ), moved AS (
         INSERT INTO stock_movements (variant_id, delta, reason, actor_id, order_id, note,
                                      resulting_stock)
         SELECT l."variantId", l.delta, l.reason, l."actorId", l."orderId", l.note,
                c.before + sum(l.delta) OVER (PARTITION BY l."variantId" ORDER BY l.ord)
           FROM lines l JOIN changed c ON c.id = l."variantId"
          ORDER BY l.ord
         RETURNING id, variant_id
       )${noticed}
       SELECT c.id, c.before, c.after FROM changed c ORDER BY c.id`,
      [
        [...net.keys()],
        [...net.values()],
        JSON.stringify(movements.map((m, ord) => ({ ord, ...m }))),
      ],
    );
  }

  /** Runs `changeStockStatement` in the caller's transaction; the rows it answered. */
  changeStock(
    tx: EntityManager,
    net: Map<string, number>,
    movements: StockMovementInput[],
    notices?: CrossingNotices,
  ): Promise<StockChangeRow[]> {
    return run(tx, {
      statement: this.changeStockStatement(net, movements, notices),
      read: (rows) => rows as unknown as StockChangeRow[],
    });
  }
}
