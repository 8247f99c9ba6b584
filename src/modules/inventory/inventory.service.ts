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
import { updateReturning } from '../../database/sql';

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
 * go below 0 (nothing changed), otherwise applies each line with a guarded UPDATE and writes a
 * `stock_movements` row per line. Low-stock crossings are emitted as `INVENTORY_EVENTS.lowStock`
 * after the caller's transaction commits (and dropped if it rolls back).
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

    const levels = new Map<string, number>();
    const lastMovement = new Map<string, string>();
    for (const c of ordered) {
      const rows = await updateReturning<{ stock: number }>(
        manager,
        `UPDATE product_variants SET stock = stock + $2, updated_at = now()
          WHERE id = $1 AND stock + $2 >= 0 RETURNING stock`,
        [c.variantId, c.delta],
      );
      // Cannot happen under the row lock; kept as the rule's second line of defence.
      if (rows.length === 0) {
        throw new InsufficientStockError([
          {
            variantId: c.variantId,
            requested: -c.delta,
            available: locked.get(c.variantId)!.stock,
          },
        ]);
      }
      const stock = rows[0].stock;
      levels.set(c.variantId, stock);
      const [movement]: { id: string }[] = await manager.query(
        `INSERT INTO stock_movements (variant_id, delta, reason, actor_id, order_id, note, resulting_stock)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
        [c.variantId, c.delta, c.reason, c.actorId, c.orderId ?? null, c.note ?? null, stock],
      );
      lastMovement.set(c.variantId, String(movement.id));
    }

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

  private async lock(manager: EntityManager, ids: string[]): Promise<Map<string, LockedVariant>> {
    const rows: LockedVariant[] = await manager.query(
      `SELECT v.id, v.stock, v.low_stock_threshold, v.sku, v.product_id, p.shop_id, s.merchant_id
         FROM product_variants v
         JOIN products p ON p.id = v.product_id JOIN shops s ON s.id = p.shop_id
        WHERE v.id = ANY($1::uuid[])
        ORDER BY v.id
        FOR UPDATE OF v`,
      [ids],
    );
    if (rows.length !== ids.length)
      throw new NotFoundError('A variant in the list does not exist.');
    return new Map(rows.map((r) => [r.id, r]));
  }
}
