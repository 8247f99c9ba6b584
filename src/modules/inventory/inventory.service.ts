import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { BadRequestError, NotFoundError } from '../../common/errors/domain-errors';
import type { StockReason } from '../catalog/catalog-types';
import { LockedVariant, VariantsRepository } from '../catalog/variants.repository';
import { OutboxService } from '../queues/outbox.service';
import { JobMessage, jobMessages } from '../queues/queue-names';
import { InsufficientStockError, ShortLine } from './insufficient-stock.error';

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
 * go below 0 (nothing changed), otherwise applies the lines with one guarded UPDATE and writes a
 * `stock_movements` row per line, in one statement (the catalog's VariantsRepository, which
 * owns both tables). A change that takes a variant from above its low-stock threshold to at or
 * below it writes the merchant's low-stock notice to the outbox in the same transaction: it
 * commits with the stock change or not at all.
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
    const updated = await this.variants.applyStock(
      manager,
      net,
      movements.map((m) => ({
        variantId: m.variantId,
        delta: m.delta,
        reason: m.reason,
        actorId: m.actorId,
        orderId: m.orderId ?? null,
        note: m.note ?? null,
        resultingStock: m.resultingStock,
      })),
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

    const notices: JobMessage[] = [];
    for (const [id, stock] of levels) {
      const v = locked.get(id)!;
      if (v.stock > v.low_stock_threshold && stock <= v.low_stock_threshold) {
        // The crossing movement names the notice: one message per crossing.
        notices.push(
          jobMessages.lowStock(
            id,
            `movement-${lastMovement.get(id)!}`,
            stock,
            v.low_stock_threshold,
          ),
        );
      }
    }
    await this.outbox.add(manager, notices);
    return [...levels].map(([variantId, stock]) => ({ variantId, stock }));
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

  /** Locks the variants in id order (see VariantsRepository.lockForStock). */
  private async lock(manager: EntityManager, ids: string[]): Promise<Map<string, LockedVariant>> {
    const rows = await this.variants.lockForStock(manager, ids);
    if (rows.length !== ids.length) {
      throw new NotFoundError('A variant in the list does not exist.');
    }
    return new Map(rows.map((r) => [r.id, r]));
  }
}
