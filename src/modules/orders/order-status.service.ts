import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { NotFoundError, UnprocessableError } from '../../common/errors/domain-errors';
import { InventoryService } from '../inventory/inventory.service';
import { OutboxService } from '../queues/outbox.service';
import { ORDER_EVENTS, OrderStatusChangedEvent } from './order.events';
import { assertTransition, followUpJobs, OWNER_CANCELLABLE } from './order-status';
import { loadOrderDetails, OrderDetailView, OrderStatus } from './order-view';

/**
 * Moves orders through the state machine (`order-status.ts`). Each transition is one
 * transaction with the order row locked `FOR UPDATE`: the status, a history row, the stock
 * given back on cancellation and the follow-up jobs (outbox) commit together or not at all, and
 * concurrent requests on one order run one after the other (the second sees the first's
 * status, so a double cancel restores stock once and the second gets a 422).
 * `ORDER_EVENTS.statusChanged` is emitted after the commit.
 */
@Injectable()
export class OrderStatusService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly inventory: InventoryService,
    private readonly outbox: OutboxService,
    private readonly events: EventEmitter2,
  ) {}

  /** The buyer cancels while the order is `placed`; an admin cancels any order still unshipped. */
  cancel(actor: Actor, orderId: string): Promise<OrderDetailView> {
    return this.transition(actor, orderId, 'cancelled', !isAdmin(actor));
  }

  /** An admin moves any order to a status the state machine allows from its current one. */
  change(actor: Actor, orderId: string, to: OrderStatus): Promise<OrderDetailView> {
    return this.transition(actor, orderId, to, false);
  }

  private async transition(
    actor: Actor,
    orderId: string,
    to: OrderStatus,
    asBuyer: boolean,
  ): Promise<OrderDetailView> {
    const event = await this.db.transaction(async (tx): Promise<OrderStatusChangedEvent> => {
      const rows: { status: OrderStatus }[] = await tx.query(
        `SELECT status FROM orders WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)
           FOR UPDATE`,
        [orderId, asBuyer ? actor.id : null],
      );
      if (!rows.length) throw new NotFoundError('No such order.');
      const from = rows[0].status;
      assertTransition(from, to);
      if (asBuyer && !OWNER_CANCELLABLE.includes(from)) {
        throw new UnprocessableError(
          `You can cancel an order only while it is placed; this one is ${from}. ` +
            'Contact the shop to cancel or refund it.',
          { from, to },
        );
      }
      await tx.query(`UPDATE orders SET status = $2, updated_at = now() WHERE id = $1`, [
        orderId,
        to,
      ]);
      const [history]: { id: string }[] = await tx.query(
        `INSERT INTO order_status_history (order_id, from_status, to_status, actor_id)
         VALUES ($1, $2, $3, $4) RETURNING id`,
        [orderId, from, to, actor.id],
      );
      // Refunds do not restock: the goods may never come back (a return is a manual adjustment).
      if (to === 'cancelled') await this.restock(tx, orderId, actor.id);
      await this.outbox.add(tx, followUpJobs(orderId, history.id, to));
      return { orderId, historyId: history.id, from, to, actorId: actor.id };
    });
    this.events.emit(ORDER_EVENTS.statusChanged, event);
    const [order] = await loadOrderDetails(this.db, [orderId]);
    return order;
  }

  /** Gives back every line's quantity; lines whose variant was deleted since are skipped. */
  private async restock(tx: EntityManager, orderId: string, actorId: string): Promise<void> {
    const lines: { variant_id: string; quantity: number }[] = await tx.query(
      `SELECT variant_id, quantity FROM order_items
        WHERE order_id = $1 AND variant_id IS NOT NULL ORDER BY position`,
      [orderId],
    );
    await this.inventory.apply(
      tx,
      lines.map((l) => ({
        variantId: l.variant_id,
        delta: l.quantity,
        reason: 'cancellation' as const,
        actorId,
        orderId,
      })),
    );
  }
}
