import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { BadRequestError, NotFoundError } from '../../common/errors/domain-errors';
import type { StockReason } from '../catalog/catalog-types';
import { VariantsRepository } from '../catalog/variants.repository';
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
 * `stock_movements` row per line: lock, check and change in one statement, one round trip
 * (the catalog's VariantsRepository, which owns both tables). A change that takes a variant from above its low-stock threshold to at or
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
    // Lines in variant id order (a variant may appear more than once: its lines stay in order).
    const ordered = [...changes].sort((a, b) => (a.variantId < b.variantId ? -1 : 1));
    const net = new Map<string, number>();
    for (const c of ordered) net.set(c.variantId, (net.get(c.variantId) ?? 0) + c.delta);
    const rows = await this.variants.changeStock(
      manager,
      net,
      ordered.map((c) => ({
        variantId: c.variantId,
        delta: c.delta,
        reason: c.reason,
        actorId: c.actorId,
        orderId: c.orderId ?? null,
        note: c.note ?? null,
      })),
    );
    if (rows.length !== net.size) {
      throw new NotFoundError('A variant in the list does not exist.');
    }
    const found = new Map(rows.map((r) => [r.id, r]));
    const shortOf = (lines: [string, number][]): ShortLine[] =>
      lines.map(([id, delta]) => ({
        variantId: id,
        requested: -delta,
        available: found.get(id)!.before,
      }));
    // Nothing was written when a line does not fit (the statement checks before it writes).
    let short = shortOf([...net].filter(([id, delta]) => found.get(id)!.before + delta < 0));
    // Cannot happen under the row lock; kept as the rule's second line of defence.
    if (!short.length) short = shortOf([...net].filter(([id]) => found.get(id)!.after === null));
    if (short.length) throw new InsufficientStockError(short);

    const notices: JobMessage[] = [];
    for (const r of rows) {
      if (r.before > r.threshold && r.after! <= r.threshold) {
        // The crossing movement names the notice: one message per crossing.
        notices.push(
          jobMessages.lowStock(r.id, `movement-${r.movementId!}`, r.after!, r.threshold),
        );
      }
    }
    await this.outbox.add(manager, notices);
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
