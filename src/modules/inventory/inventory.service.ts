import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DataSource,
  EntityManager,
  EntitySubscriberInterface,
  QueryRunner,
  TransactionCommitEvent,
  TransactionRollbackEvent,
} from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { BadRequestError, NotFoundError } from '../../common/errors/domain-errors';
import { InsufficientStockError, ShortLine } from './insufficient-stock.error';
import { INVENTORY_EVENTS, LowStockEvent } from './inventory.events';
import { StockReason } from './stock-movement.entity';

export interface StockChange {
  variantId: string;
  /** Positive adds stock, negative takes it away; never 0. */
  delta: number;
  reason: StockReason;
  /** Who made the change; null for the system. */
  actorId: string | null;
  orderId?: string | null;
  note?: string | null;
}

export interface StockLevel {
  variantId: string;
  stock: number;
}

interface LockedVariant {
  id: string;
  stock: number;
  low_stock_threshold: number;
  product_id: string;
  shop_id: string;
  merchant_id: string;
  sku: string;
}

const PENDING = 'inventory.pendingLowStock';

/**
 * THE only way stock changes. `apply()` runs inside the caller's transaction (checkout, order
 * cancellation, manual adjustments): it locks the variants in id order (no deadlocks between
 * concurrent callers), refuses the whole list with `InsufficientStockError` when any line would
 * go below 0 (nothing changed), otherwise applies the lines with one guarded UPDATE and writes a
 * `stock_movements` row per line, in one statement. Low-stock crossings are emitted as
 * `INVENTORY_EVENTS.lowStock` after the caller's transaction commits (dropped on rollback).
 */
@Injectable()
export class InventoryService implements EntitySubscriberInterface {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventEmitter2,
  ) {
    dataSource.subscribers.push(this);
  }

  async apply(manager: EntityManager, changes: StockChange[]): Promise<StockLevel[]> {
    if (changes.length === 0) return [];
    for (const c of changes) {
      if (!Number.isInteger(c.delta) || c.delta === 0) {
        throw new BadRequestError('A stock change must be a non-zero whole number.');
      }
    }
    const ordered = [...changes].sort((a, b) => (a.variantId < b.variantId ? -1 : 1));
    const ids = [...new Set(ordered.map((c) => c.variantId))];
    const locked = await this.lock(manager, ids);

    const net = new Map<string, number>();
    for (const c of ordered) net.set(c.variantId, (net.get(c.variantId) ?? 0) + c.delta);
    const short: ShortLine[] = [];
    for (const [id, delta] of net) {
      const v = locked.get(id)!;
      if (v.stock + delta < 0) short.push({ variantId: id, requested: -delta, available: v.stock });
    }
    if (short.length) throw new InsufficientStockError(short);

    // Every line's resulting stock, in order (a variant may appear more than once).
    const running = new Map([...locked].map(([id, v]) => [id, v.stock]));
    const movements = ordered.map((c) => {
      const stock = running.get(c.variantId)! + c.delta;
      running.set(c.variantId, stock);
      return { ...c, resultingStock: stock };
    });
    // One statement whatever the number of lines: the guarded UPDATE of each variant by its
    // net change, and a movement row per line.
    const updated: { id: string; stock: number; movementId: string }[] = await manager.query(
      `WITH lines AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS l(
           ord int, "variantId" uuid, delta int, reason text, "actorId" uuid, "orderId" uuid,
           note text, "resultingStock" int)
       ), updated AS (
         -- unnest (not the JSON above) so that the planner knows the row count and probes the
         -- primary key instead of scanning the table.
         UPDATE product_variants v SET stock = v.stock + net.delta, updated_at = now()
           FROM unnest($2::uuid[], $3::int[]) AS net(id, delta)
          WHERE v.id = net.id AND v.stock + net.delta >= 0
         RETURNING v.id, v.stock
       ), moved AS (
         INSERT INTO stock_movements (variant_id, delta, reason, actor_id, order_id, note,
                                      resulting_stock)
         SELECT "variantId", delta, reason, "actorId", "orderId", note, "resultingStock"
           FROM lines ORDER BY ord
         RETURNING id, variant_id
       )
       -- The last movement of each variant names a low-stock crossing.
       SELECT u.id, u.stock,
              (SELECT max(m.id) FROM moved m WHERE m.variant_id = u.id)::text AS "movementId"
         FROM updated u`,
      [
        JSON.stringify(
          movements.map((m, ord) => ({
            ord,
            variantId: m.variantId,
            delta: m.delta,
            reason: m.reason,
            actorId: m.actorId,
            orderId: m.orderId ?? null,
            note: m.note ?? null,
            resultingStock: m.resultingStock,
          })),
        ),
        [...net.keys()],
        [...net.values()],
      ],
    );
    // Cannot happen under the row lock; kept as the rule's second line of defence.
    if (updated.length !== net.size) {
      const done = new Set(updated.map((u) => u.id));
      throw new InsufficientStockError(
        [...net]
          .filter(([id]) => !done.has(id))
          .map(([id, delta]) => ({
            variantId: id,
            requested: -delta,
            available: locked.get(id)!.stock,
          })),
      );
    }
    const levels = new Map(updated.map((u) => [u.id, u.stock]));
    const lastMovement = new Map(updated.map((u) => [u.id, u.movementId]));

    const crossed: LowStockEvent[] = [];
    for (const [id, stock] of levels) {
      const v = locked.get(id)!;
      if (v.stock > v.low_stock_threshold && stock <= v.low_stock_threshold) {
        crossed.push({
          variantId: id,
          productId: v.product_id,
          shopId: v.shop_id,
          sku: v.sku,
          stock,
          threshold: v.low_stock_threshold,
          movementId: lastMovement.get(id)!,
        });
      }
    }
    this.emitAfterCommit(manager.queryRunner, crossed);
    return [...levels].map(([variantId, stock]) => ({ variantId, stock }));
  }

  /** A manual adjustment by the variant's owner or an admin, in its own transaction. */
  async adjust(
    actor: Actor,
    input: { variantId: string; delta: number; reason: StockReason; note?: string },
  ): Promise<StockLevel> {
    const owner: { merchant_id: string }[] = await this.dataSource.query(
      `SELECT s.merchant_id FROM product_variants v
         JOIN products p ON p.id = v.product_id JOIN shops s ON s.id = p.shop_id
        WHERE v.id = $1`,
      [input.variantId],
    );
    if (!owner.length || (!isAdmin(actor) && owner[0].merchant_id !== actor.id)) {
      throw new NotFoundError('No such variant in your shop.');
    }
    const [level] = await this.dataSource.transaction((m) =>
      this.apply(m, [{ ...input, actorId: actor.id }]),
    );
    return level;
  }

  afterTransactionCommit(event: TransactionCommitEvent): void {
    // Also called after a savepoint is released; only the real COMMIT publishes.
    if (event.queryRunner.isTransactionActive) return;
    const pending = event.queryRunner.data?.[PENDING] as LowStockEvent[] | undefined;
    if (!pending?.length) return;
    event.queryRunner.data[PENDING] = [];
    for (const e of pending) this.events.emit(INVENTORY_EVENTS.lowStock, e);
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    if (!event.queryRunner.isTransactionActive && event.queryRunner.data) {
      event.queryRunner.data[PENDING] = [];
    }
  }

  private emitAfterCommit(runner: QueryRunner | undefined, events: LowStockEvent[]): void {
    if (!events.length) return;
    if (runner?.isTransactionActive) {
      runner.data = runner.data ?? {};
      runner.data[PENDING] = [...((runner.data[PENDING] as LowStockEvent[]) ?? []), ...events];
      return;
    }
    for (const e of events) this.events.emit(INVENTORY_EVENTS.lowStock, e);
  }

  /**
   * NO KEY UPDATE (what the stock UPDATE takes anyway): serializes stock changes, yet does not
   * wait for, nor deadlock with, the KEY SHARE locks that foreign keys to the variant take (a
   * checkout inserting its order lines before it takes stock).
   */
  private async lock(manager: EntityManager, ids: string[]): Promise<Map<string, LockedVariant>> {
    const rows: LockedVariant[] = await manager.query(
      `SELECT v.id, v.stock, v.low_stock_threshold, v.sku, v.product_id, p.shop_id, s.merchant_id
         FROM product_variants v
         JOIN products p ON p.id = v.product_id JOIN shops s ON s.id = p.shop_id
        WHERE v.id = ANY($1::uuid[])
        ORDER BY v.id
        FOR NO KEY UPDATE OF v`,
      [ids],
    );
    if (rows.length !== ids.length)
      throw new NotFoundError('A variant in the list does not exist.');
    return new Map(rows.map((r) => [r.id, r]));
  }
}
