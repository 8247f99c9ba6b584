import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { NotFoundError, UnprocessableError } from '../../common/errors/domain-errors';
import { InventoryService } from '../inventory/inventory.service';
import { OutboxService } from '../queues/outbox.service';
import { ORDER_EVENTS, OrderStatusChangedEvent } from './order.events';
import { assertTransition, followUpJobs, OrderStatus, OWNER_CANCELLABLE } from './order-status';
import { OrderDetailView } from './order-view';
import { OrdersRepository } from './orders.repository';

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
    private readonly orders: OrdersRepository,
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
      const from = await this.orders.lockStatus(tx, orderId, asBuyer ? actor.id : undefined);
      if (!from) throw new NotFoundError('No such order.');
      assertTransition(from, to);
      if (asBuyer && !OWNER_CANCELLABLE.includes(from)) {
        throw new UnprocessableError(
          `You can cancel an order only while it is placed; this one is ${from}. ` +
            'Contact the shop to cancel or refund it.',
          { from, to },
        );
      }
      const historyId = await this.orders.changeStatus(tx, orderId, from, to, actor.id);
      // Refunds do not restock: the goods may never come back (a return is a manual adjustment).
      if (to === 'cancelled') await this.restock(tx, orderId, actor.id);
      await this.outbox.add(tx, followUpJobs(orderId, historyId, to));
      return { orderId, historyId, from, to, actorId: actor.id };
    });
    this.events.emit(ORDER_EVENTS.statusChanged, event);
    const [order] = await this.orders.loadDetails([orderId]);
    return order;
  }

  /** Gives back every line's quantity; lines whose variant was deleted since are skipped. */
  private async restock(tx: EntityManager, orderId: string, actorId: string): Promise<void> {
    const lines = await this.orders.linesWithVariant(tx, orderId);
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
