import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { BadRequestError, NotFoundError } from '../../common/errors/domain-errors';
import type { StockReason } from '../catalog/catalog-types';
import {
  refusedStockLines,
  StockChangeRow,
  VariantsRepository,
} from '../catalog/variants.repository';
import { queryAndCommit } from '../../database/commit-with-last';
import { OutboxService } from '../queues/outbox.service';
import { jobMessageRows } from '../queues/queue-names';
import { InsufficientStockError } from './insufficient-stock.error';

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

/**
 * THE only way stock changes. `apply()` runs inside the caller's transaction (checkout, order
 * cancellation, manual adjustments): it locks the variants in id order (no deadlocks between
 * concurrent callers), refuses the whole list with `InsufficientStockError` when any line would
 * go below 0 (nothing changed, and the caller's transaction can only roll back), otherwise
 * applies the lines with one guarded UPDATE and writes a `stock_movements` row per line: lock,
 * check and change in one statement, one round trip (the catalog's VariantsRepository, which
 * owns both tables). A change that takes a variant from above its low-stock threshold to at or
 * below it writes the merchant's low-stock notice to the outbox in the same statement: it
 * commits with the stock change or not at all. `applyAndCommit()` sends the transaction's
 * COMMIT with the statement (checkout: a hot variant stays locked one round trip less).
 */
@Injectable()
export class InventoryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly variants: VariantsRepository,
    private readonly outbox: OutboxService,
  ) {}

  apply(manager: EntityManager, changes: StockChange[]): Promise<StockLevel[]> {
    return this.change(manager, changes, (sql) => manager.query(sql));
  }

  /**
   * `apply`, as the last statement of a transaction of `transactionEndingInWork`: the stock
   * change and the COMMIT in one message (`queryAndCommit`).
   */
  applyAndCommit(manager: EntityManager, changes: StockChange[]): Promise<StockLevel[]> {
    return this.change(manager, changes, (sql) => queryAndCommit(manager, sql));
  }

  private async change(
    manager: EntityManager,
    changes: StockChange[],
    run: (sql: string) => Promise<StockChangeRow[]>,
  ): Promise<StockLevel[]> {
    if (changes.length === 0) return [];
    for (const c of changes) {
      if (!Number.isInteger(c.delta) || c.delta === 0) {
        throw new BadRequestError('A stock change must be a non-zero whole number.');
      }
    }
    // Lines in variant id order (a variant may appear more than once: its lines stay in order).
    const ordered = [...changes].sort((a, b) => (a.variantId < b.variantId ? -1 : 1));
    const net = new Map<string, number>();
    for (const c of ordered) net.set(c.variantId, (net.get(c.variantId) ?? 0) + c.delta);
    const sql = this.variants.changeStockStatement(
      net,
      ordered.map((c) => ({
        variantId: c.variantId,
        delta: c.delta,
        reason: c.reason,
        actorId: c.actorId,
        orderId: c.orderId ?? null,
        note: c.note ?? null,
      })),
      (crossings) => this.outbox.inserting(manager, jobMessageRows.lowStock(crossings)),
    );
    let rows: StockChangeRow[];
    try {
      rows = await run(sql);
    } catch (error) {
      throw refusalOf(error) ?? error;
    }
    // Cannot happen under the row lock; kept as the rule's second line of defence.
    const unwritten = rows.filter((r) => r.after === null);
    if (unwritten.length) {
      throw new InsufficientStockError(
        unwritten.map((r) => ({
          variantId: r.id,
          requested: -net.get(r.id)!,
          available: r.before,
        })),
      );
    }
    return rows.map((r) => ({ variantId: r.id, stock: r.after! }));
  }

  /** A manual adjustment by the variant's owner or an admin, in its own transaction. */
  async adjust(
    actor: Actor,
    input: { variantId: string; delta: number; reason: StockReason; note?: string },
  ): Promise<StockLevel> {
    const merchantId = await this.variants.merchantOf(input.variantId);
    if (!merchantId || (!isAdmin(actor) && merchantId !== actor.id)) {
      throw new NotFoundError('No such variant in your shop.');
    }
    const [level] = await this.db.transaction((m) =>
      this.apply(m, [{ ...input, actorId: actor.id }]),
    );
    return level;
  }
}

/** The domain error of a stock change the statement refused; undefined for another error. */
function refusalOf(error: unknown): Error | undefined {
  const lines = refusedStockLines(error);
  if (!lines) return undefined;
  if (lines.some((l) => l.stock === null)) {
    return new NotFoundError('A variant in the list does not exist.');
  }
  return new InsufficientStockError(
    lines
      .filter((l) => l.stock! + l.delta < 0)
      .map((l) => ({ variantId: l.id, requested: -l.delta, available: l.stock! })),
  );
}
