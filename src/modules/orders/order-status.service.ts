import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { NotFoundError, UnprocessableError } from '../../common/errors/domain-errors';
import { runTogether, StatementPart } from '../../database/sql';
import { InventoryService } from '../inventory/inventory.service';
import { OutboxService } from '../queues/outbox.service';
import { LockedOrder, OrderPaymentsLink } from './order-payments';
import { ORDER_EVENTS, OrderStatusChangedEvent } from './order.events';
import { OrderLapses } from './order-lapses';
import {
  assertTransition,
  followUpJobs,
  notifiesBuyer,
  OrderStatus,
  OWNER_CANCELLABLE,
  TransitionTrigger,
} from './order-status';
import { OrderDetailView } from './order-view';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

/**
 * Moves orders through the state machine (`order-status.ts`). Each transition runs in one
 * transaction with the order row locked `FOR UPDATE`: the status, a history row, the stock
 * given back (cancellation, expiry), reviews that stop counting, the payment's side (a paid
 * order cancelled is refunded) and the follow-up jobs (outbox) commit together or not at all;
 * concurrent changes of one order run one after the other (the second sees the first's status,
 * so a double cancel restores stock once and the second gets a 422).
 * `ORDER_EVENTS.statusChanged` is emitted after the commit.
 *
 * The payments module drives the payment transitions (paid, expired, refunds) through
 * `lock` + `applyTransition` inside its own transactions.
 */
@Injectable()
export class OrderStatusService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly orders: OrdersRepository,
    private readonly inventory: InventoryService,
    private readonly outbox: OutboxService,
    private readonly events: EventEmitter2,
    private readonly lapses: OrderLapses,
    private readonly views: OrdersService,
    private readonly link: OrderPaymentsLink,
  ) {}

  /** The buyer cancels while the order awaits payment; an admin cancels any order unshipped. */
  cancel(actor: Actor, orderId: string): Promise<OrderDetailView> {
    return this.transition(actor, orderId, 'cancelled', !isAdmin(actor));
  }

  /** An admin moves an order to a status the state machine lets staff set from its current one. */
  change(actor: Actor, orderId: string, to: OrderStatus): Promise<OrderDetailView> {
    return this.transition(actor, orderId, to, false);
  }

  /** Locks the order row (`FOR UPDATE`) in the caller's transaction; undefined if none. */
  lock(tx: EntityManager, orderId: string, userId?: string): Promise<LockedOrder | undefined> {
    return this.orders.lock(tx, orderId, userId);
  }

  /** `lock` as a statement part, run first by the caller's statement (`OrdersRepository.lockPart`). */
  lockPart(orderId: string): StatementPart {
    return this.orders.lockPart(orderId);
  }

  /** As `lock`, but another transaction holding the order makes it return `skipped`. */
  lockOrSkip(tx: EntityManager, orderId: string): Promise<LockedOrder | 'skipped'> {
    return this.orders.lockOrSkip(tx, orderId);
  }

  /**
   * Moves a locked order to `to` inside the caller's transaction: status, history row, stock
   * back on cancellation or expiry, lapsed reviews hidden, follow-up jobs in the outbox. The
   * status, the history row, the jobs and the caller's `alongside` writes (e.g. the payment's
   * new state) go in one statement. The caller emits the returned event after its commit
   * (`emitChanged`). `trigger` is checked against the table (`payment` transitions only from
   * the payments module).
   */
  async applyTransition(
    tx: EntityManager,
    order: LockedOrder,
    to: OrderStatus,
    actorId: string | null,
    trigger: TransitionTrigger,
    alongside: StatementPart[] = [],
  ): Promise<OrderStatusChangedEvent> {
    const from = order.status;
    assertTransition(from, to, trigger);
    // The buyer's e-mail job names the history row, written in the same statement.
    const reserved = notifiesBuyer(to) ? await this.orders.reserveHistoryId(tx) : null;
    const jobs = this.outbox.part(tx, followUpJobs(order.id, reserved, to));
    // changeStatusParts: the order's row, then its history row.
    const [, [history]] = await runTogether(tx, [
      ...this.orders.changeStatusParts(order.id, from, to, actorId, reserved),
      ...(jobs ? [jobs] : []),
      ...alongside,
    ]);
    const historyId = String(history.id);
    order.status = to;
    // Refunds do not restock: the goods may never come back (a return is a manual adjustment).
    if (to === 'cancelled' || to === 'expired') await this.restock(tx, order.id, to, actorId);
    if (to === 'cancelled' || to === 'expired' || to === 'refunded') {
      await this.lapses.run(tx, order.id);
    }
    return { orderId: order.id, historyId, from, to, actorId };
  }

  emitChanged(events: OrderStatusChangedEvent[]): void {
    for (const event of events) this.events.emit(ORDER_EVENTS.statusChanged, event);
  }

  private async transition(
    actor: Actor,
    orderId: string,
    to: OrderStatus,
    asBuyer: boolean,
  ): Promise<OrderDetailView> {
    const event = await this.db.transaction(async (tx): Promise<OrderStatusChangedEvent> => {
      const order = await this.lock(tx, orderId, asBuyer ? actor.id : undefined);
      if (!order) throw new NotFoundError('No such order.');
      const from = order.status;
      if (asBuyer && !OWNER_CANCELLABLE.includes(from)) {
        assertTransition(from, to, 'staff');
        throw new UnprocessableError(
          `You can cancel an order only while it awaits payment; this one is ${from}. ` +
            'Contact the shop to cancel or refund it.',
          { from, to },
        );
      }
      const event = await this.applyTransition(tx, order, to, actor.id, 'staff');
      if (to === 'cancelled') {
        await this.link.payments.onOrderCancelled(tx, { ...order, status: from }, actor.id);
      }
      return event;
    });
    this.emitChanged([event]);
    return this.views.get(actor, orderId);
  }

  /** Gives back every line's quantity; lines whose variant was deleted since are skipped. */
  private async restock(
    tx: EntityManager,
    orderId: string,
    why: 'cancelled' | 'expired',
    actorId: string | null,
  ): Promise<void> {
    const lines = await this.orders.linesWithVariant(tx, orderId);
    await this.inventory.apply(
      tx,
      lines.map((l) => ({
        variantId: l.variant_id,
        delta: l.quantity,
        reason: why === 'cancelled' ? ('cancellation' as const) : ('expiry' as const),
        actorId,
        orderId,
      })),
    );
  }
}
