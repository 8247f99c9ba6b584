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
import type { Outgoing } from '../../database/pipeline';
import { run } from '../../database/sql';
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
 * commits with the stock change or not at all. `changing()` is the same change as a statement
 * to send with others (checkout: with the order and the COMMIT, so that a hot variant stays
 * locked the shortest time).
 */
@Injectable()
export class InventoryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly variants: VariantsRepository,
    private readonly outbox: OutboxService,
  ) {}

  async apply(manager: EntityManager, changes: StockChange[]): Promise<StockLevel[]> {
    if (changes.length === 0) return [];
    return run(manager, this.changing(manager, changes));
  }

  /**
   * `apply` as a statement to send with others in the caller's transaction (checkout: with the
   * order's statement and the COMMIT, `queryAndCommit`). Its refusal is `InsufficientStockError`
   * (or 404 for a missing variant); a list that is not a stock change (empty, a zero or
   * fractional delta) is refused before anything is sent.
   */
  changing(manager: EntityManager, changes: StockChange[]): Outgoing<StockLevel[]> {
    if (changes.length === 0) throw new BadRequestError('A stock change needs at least one line.');
    for (const c of changes) {
      if (!Number.isInteger(c.delta) || c.delta === 0) {
        throw new BadRequestError('A stock change must be a non-zero whole number.');
      }
    }
    // Lines in variant id order (a variant may appear more than once: its lines stay in order).
    const ordered = [...changes].sort((a, b) => (a.variantId < b.variantId ? -1 : 1));
    const net = new Map<string, number>();
    for (const c of ordered) net.set(c.variantId, (net.get(c.variantId) ?? 0) + c.delta);
    const statement = this.variants.changeStockStatement(
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
    return {
      statement,
      read: (answered) => {
        const rows = answered as unknown as StockChangeRow[];
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
      },
      refusal: refusalOf,
    };
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
