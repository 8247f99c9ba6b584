import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/decorators/current-user.decorator';
import {
  BadRequestError,
  NotFoundError,
  ServiceUnavailableError,
  UnprocessableError,
} from '../../common/errors/domain-errors';
import { paymentConfig, PaymentConfig } from '../../config';
import { runTogether, StatementPart, StatementParts } from '../../database/sql';
import type { OrderStatusChangedEvent } from '../orders/order.events';
import {
  LockedOrder,
  OrderPaymentView,
  OrderPayments,
  OrderPaymentsLink,
} from '../orders/order-payments';
import { OrderStatusService } from '../orders/order-status.service';
import type { OrderDetailView } from '../orders/order-view';
import { OrdersService } from '../orders/orders.service';
import { OutboxService } from '../queues/outbox.service';
import { JobMessage, jobMessages } from '../queues/queue-names';
import type { RefundOrigin } from './payment-types';
import { afterRefunds, applyReceipt, refundable } from './payment-amounts';
import {
  InvalidWebhookSignatureError,
  PaymentEvent,
  PaymentProvider,
  PaymentProviderName,
} from './payment-provider';
import { PaymentProviderRegistry } from './payment-provider.registry';
import { PaymentProviderRejectedError } from './payment-provider-errors';
import {
  PaymentRef,
  PaymentRow,
  PaymentsRepository,
  PaymentViewJson,
  RefundRow,
} from './payments.repository';

export interface RecordPaymentInput {
  amount: number;
  reference: string;
  receivedAt?: Date;
}

export interface RefundRequest {
  amount?: number;
  reason: string;
}

export interface WebhookResult {
  received: number;
  duplicates: number;
}

/** A payment start whose provider call is still to be made (after the checkout's commit). */
export interface PendingStart {
  payment: PaymentRow;
  orderNumber: string;
  buyerEmail: string;
  /** Started in the checkout's transaction already (`startAtOnce`): `begin` calls no one. */
  started?: OrderPaymentView;
}

/**
 * How long one request may take to start a payment at its provider before another may try
 * (longer than a Stripe request with its retries: STRIPE_TIMEOUT_MS x 3 and backoff).
 */
const START_CLAIM_SECONDS = 60;
/** How long a replayed checkout waits for the start its first request is making. */
const REPLAY_WAIT_MS = 5_000;
const REPLAY_POLL_MS = 50;

/**
 * The payment side of the order lifecycle: starts payments at checkout, receives money
 * (admin records, provider webhooks), expires unpaid orders, refunds.
 *
 * Every change runs in one transaction that first locks the order row (OrderStatusService.lock)
 * and then reads the payment, so everything that touches one order's money runs one at a time:
 * a webhook and the expiry sweep, two copies of one event, a refund and a late payment. The
 * order's transitions (paid, expired, refunded) and their follow-up jobs commit in the same
 * transaction. Provider calls (start, refund) never run inside a transaction: a refund is
 * written `pending` with an outbox job first, then carried out and settled.
 */
@Injectable()
export class PaymentsService implements OrderPayments, OnModuleInit {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(paymentConfig.KEY) private readonly config: PaymentConfig,
    private readonly registry: PaymentProviderRegistry,
    private readonly repo: PaymentsRepository,
    private readonly orderStatus: OrderStatusService,
    private readonly orders: OrdersService,
    private readonly outbox: OutboxService,
    link: OrderPaymentsLink,
  ) {
    link.attach(this);
  }

  onModuleInit(): void {
    this.logger.log(`Payment providers: ${this.registry.names.join(', ')}`);
  }

  /** The order's payment as stored (e-mails read it here). */
  paymentOf(orderId: string): Promise<PaymentRow | undefined> {
    return this.repo.findByOrder(this.db, orderId);
  }

  /** A refund as stored (e-mails, credit notes read it here). */
  refundOf(refundId: string): Promise<RefundRow | undefined> {
    return this.repo.findRefund(this.db, refundId);
  }

  /** The checkout's provider (400 when not enabled); call before the checkout's transaction. */
  providerFor(paymentMethod: string | undefined): PaymentProvider {
    return this.registry.forCheckout(paymentMethod);
  }

  /**
   * In the checkout's transaction, as parts of its statement (`runAllTogether`): the order's
   * payment, pending, due within the provider's window, plus the "how to pay" e-mail job. A
   * provider that calls no one is started here; the others after the commit (`begin`).
   */
  createParts(
    tx: EntityManager,
    provider: PaymentProvider,
    order: { id: string; number: string; total: number; currency: string; buyerEmail: string },
  ): StatementParts<PendingStart> {
    const started = provider.startAtOnce?.({
      orderId: order.id,
      orderNumber: order.number,
      amount: order.total,
      currency: order.currency.toLowerCase(),
      buyerEmail: order.buyerEmail,
    });
    return {
      parts: [
        this.repo.createPart({
          orderId: order.id,
          provider: provider.name,
          amount: order.total,
          currency: order.currency,
          windowSeconds: this.config.timeoutSeconds[provider.window],
          ...(started ? { started } : { startClaimSeconds: START_CLAIM_SECONDS }),
        }),
        this.outbox.part(tx, [jobMessages.paymentInstructions(order.id)])!,
      ],
      read: ([rows]) => ({
        payment: this.repo.paymentOf(rows[0]),
        orderNumber: order.number,
        buyerEmail: order.buyerEmail,
        started: started && this.repo.startedViewOf(rows),
      }),
    };
  }

  /**
   * Asks the provider to start the payment (safe to repeat: providers key it on our payment
   * id) and stores what the client needs. 503 when the provider cannot be reached: the order
   * stands, and retrying the checkout with the same Idempotency-Key starts it again.
   */
  async begin(start: PendingStart): Promise<OrderPaymentView | undefined> {
    if (start.started) return start.started;
    const { payment } = start;
    const provider = this.registry.forPayment(payment.provider);
    let started;
    try {
      started = await provider.start({
        paymentId: payment.id,
        orderId: payment.orderId,
        orderNumber: start.orderNumber,
        amount: payment.amount,
        currency: payment.currency.toLowerCase(),
        buyerEmail: start.buyerEmail,
      });
    } catch (error) {
      this.logger.error(
        { orderId: payment.orderId, err: error },
        `Starting the ${provider.name} payment failed`,
      );
      await this.repo.releaseStart(payment.id);
      throw new ServiceUnavailableError(
        `The payment provider could not be reached. Your order ${start.orderNumber} is ` +
          'reserved: retry with the same Idempotency-Key to start its payment.',
      );
    }
    return this.repo.recordStart(payment.id, started.providerReference, started.clientData);
  }

  /**
   * For a replayed checkout: the order's payment as its first request started it. While that
   * request (or another replay) is still asking the provider, this waits for its answer rather
   * than calling the provider again; when no one is starting it (the first start failed, or its
   * request died and its claim ran out), this one starts it. 503 when the start in progress
   * takes longer than REPLAY_WAIT_MS.
   */
  async ensureStarted(orderId: string, buyerEmail: string, orderNumber: string): Promise<void> {
    const deadline = Date.now() + REPLAY_WAIT_MS;
    for (;;) {
      const payment = await this.repo.findByOrder(this.db, orderId);
      if (!payment || payment.status !== 'pending') return;
      if (Object.keys(payment.clientData).length) return;
      if (await this.repo.claimStart(payment.id, START_CLAIM_SECONDS)) {
        await this.begin({ payment, orderNumber, buyerEmail });
        return;
      }
      if (Date.now() >= deadline) {
        throw new ServiceUnavailableError(
          `The payment of order ${orderNumber} is still being started by an earlier request ` +
            'with this Idempotency-Key: retry in a moment.',
          { retryAfter: 1 },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, REPLAY_POLL_MS));
    }
  }

  views(orderIds: string[]): Promise<Map<string, OrderPaymentView>> {
    return this.repo.views(orderIds);
  }

  viewColumn(orderId: string): string {
    return this.repo.viewColumn(orderId);
  }

  viewOf(value: unknown): OrderPaymentView | null {
    return this.repo.viewOf(value as PaymentViewJson | null);
  }

  /** Money an admin received for a manual (bank transfer, cash) payment. */
  async recordManualPayment(
    actor: Actor,
    orderId: string,
    input: RecordPaymentInput,
  ): Promise<OrderDetailView> {
    if (input.receivedAt && input.receivedAt.getTime() > Date.now() + 60_000) {
      throw new BadRequestError('`receivedAt` cannot be in the future.');
    }
    const events = await this.db.transaction(async (tx) => {
      const { order, payment } = await this.lockWithPayment(tx, orderId);
      if (payment.provider !== 'manual') {
        throw new UnprocessableError(
          `This order is paid through ${payment.provider}; its payments arrive from the ` +
            'provider, not by hand.',
        );
      }
      await this.repo.addReceipt(tx, {
        paymentId: payment.id,
        provider: 'manual',
        key: randomUUID(),
        amount: input.amount,
        reference: input.reference,
        receivedAt: input.receivedAt ?? new Date(),
        recordedBy: actor.id,
      });
      return (await this.receive(tx, order, payment, input.amount, actor.id)).events;
    });
    this.orderStatus.emitChanged(events);
    return this.orders.get(actor, orderId);
  }

  /**
   * A provider's webhook: verified against its raw body (400 when it does not verify, nothing
   * stored), then each event stored by its id and applied in its own transaction with the
   * order locked. An event seen before does nothing.
   */
  async handleWebhook(
    providerName: string,
    rawBody: Buffer | undefined,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<WebhookResult> {
    const provider = this.registry.forWebhook(providerName);
    if (provider.name === 'manual' && !this.config.manualWebhookSecret) {
      throw new NotFoundError('The manual provider takes no webhooks here.');
    }
    let parsed: PaymentEvent[];
    try {
      if (!rawBody?.length) throw new InvalidWebhookSignatureError('Empty webhook body');
      parsed = provider.parseWebhook(rawBody, headers);
    } catch (error) {
      if (error instanceof InvalidWebhookSignatureError) throw new BadRequestError(error.message);
      throw error;
    }
    const result: WebhookResult = { received: 0, duplicates: 0 };
    for (const event of parsed) {
      const applied = await this.applyEvent(provider, event);
      result[applied ? 'received' : 'duplicates'] += 1;
    }
    return result;
  }

  /** Stores and applies one event; false for a duplicate. */
  async applyEvent(provider: PaymentProvider, event: PaymentEvent): Promise<boolean> {
    const outcome = await this.db.transaction(async (tx) => {
      const stored = await this.repo.addEvent(tx, provider.name, event);
      if (!stored) return undefined;
      const applied =
        stored.payment && (await this.applyTo(tx, stored.payment, stored.id, provider.name, event));
      if (!applied) {
        await this.repo.settleEvent(tx, stored.id, null, 'unknown payment: ignored');
        this.logger.warn(
          { provider: provider.name, eventId: event.eventId },
          'Payment event for no payment we know',
        );
        return { events: [] };
      }
      return applied;
    });
    if (!outcome) return false;
    this.orderStatus.emitChanged(outcome.events);
    return true;
  }

  /**
   * Locks the order, applies a stored event to its payment, and records what it did; undefined
   * when the order is gone.
   */
  private async applyTo(
    tx: EntityManager,
    ref: PaymentRef,
    eventRowId: string,
    provider: PaymentProviderName,
    event: PaymentEvent,
  ): Promise<{ events: OrderStatusChangedEvent[] } | undefined> {
    const settled = async (applied: { events: OrderStatusChangedEvent[]; outcome: string }) => {
      await this.repo.settleEvent(tx, eventRowId, ref.id, applied.outcome);
      return applied;
    };
    if (event.currency.toUpperCase() !== ref.currency.toUpperCase()) {
      if (!(await this.orderStatus.lock(tx, ref.orderId))) return undefined;
      return settled({ events: [], outcome: `currency ${event.currency} is not ${ref.currency}` });
    }
    switch (event.type) {
      case 'payment.succeeded': {
        // The order's lock, the payment read after it and the receipt: one statement.
        const received = await this.repo.lockAndReceive(
          tx,
          this.orderStatus.lockPart(ref.orderId),
          {
            paymentId: ref.id,
            provider,
            key: event.receiptKey ?? event.providerReference,
            amount: event.amount,
            reference: event.providerReference,
            receivedAt: event.occurredAt,
            recordedBy: null,
          },
        );
        if (!received) return undefined;
        const { order, fresh, payment } = received;
        if (!fresh) return settled({ events: [], outcome: 'money already counted' });
        // The event's outcome is written with the payment and the order's transition.
        return this.receive(tx, order, payment, event.amount, null, (outcome) => [
          this.repo.settleEventPart(eventRowId, ref.id, outcome),
        ]);
      }
      case 'payment.failed':
        if (!(await this.orderStatus.lock(tx, ref.orderId))) return undefined;
        await this.repo.update(tx, ref.id, {
          lastFailure: event.failureMessage ?? 'payment failed',
        });
        return settled({
          events: [],
          outcome: `failed: ${event.failureMessage ?? 'no reason given'}`,
        });
      case 'payment.refunded': {
        const order = await this.orderStatus.lock(tx, ref.orderId);
        if (!order) return undefined;
        const payment = (await this.repo.findByOrder(tx, order.id))!;
        // `amount` is all the provider has refunded; more than we asked for was refunded on
        // the provider's side (e.g. its dashboard): record the difference as a refund.
        const extra = Math.min(event.amount, payment.paidAmount) - payment.refundedAmount;
        if (extra <= 0) return settled({ events: [], outcome: 'refunds already known' });
        const refund = await this.repo.createRefund(tx, {
          paymentId: payment.id,
          orderId: order.id,
          amount: extra,
          reason: 'Refunded at the payment provider',
          origin: 'external',
          requestedBy: null,
          status: 'succeeded',
        });
        await this.repo.update(tx, payment.id, {
          refundedAmount: payment.refundedAmount + extra,
        });
        const events = await this.afterRefund(tx, order, payment, refund.id);
        return settled({ events, outcome: `external refund of ${extra} recorded` });
      }
    }
  }

  /**
   * New money for a payment (the receipt already stored): pays the order when it reaches the
   * amount, flags an overpayment, and gives back money that came after the order ended.
   */
  private async receive(
    tx: EntityManager,
    order: LockedOrder,
    payment: PaymentRow,
    amount: number,
    actorId: string | null,
    alsoWrite: (outcome: string) => StatementPart[] = () => [],
  ): Promise<{ events: OrderStatusChangedEvent[]; outcome: string }> {
    const next = applyReceipt(payment, order.status, amount);
    const events: OrderStatusChangedEvent[] = [];
    const writes = [
      this.repo.updatePart(payment.id, {
        status: next.payment.status,
        paidAmount: next.payment.paidAmount,
        attention: next.payment.attention,
        paidNow: next.orderTo === 'paid',
      }),
      ...alsoWrite(next.outcome),
    ];
    if (next.orderTo) {
      events.push(
        await this.orderStatus.applyTransition(tx, order, 'paid', actorId, 'payment', writes),
      );
    } else {
      await runTogether(tx, writes);
    }
    if (next.late > 0 && payment.provider !== 'manual') {
      // Card money for an order that is over goes straight back through the provider.
      await this.requestRefundLocked(
        tx,
        order,
        { ...payment, ...next.payment },
        {
          amount: next.late,
          reason: `Payment arrived after the order was ${order.status}`,
          origin: 'late_payment',
          requestedBy: null,
        },
      );
    } else if (next.late > 0) {
      this.logger.warn(
        { orderId: order.id, amount: next.late },
        'Manual payment received for an ended order: an admin must refund it',
      );
    }
    return { events, outcome: next.outcome };
  }

  /** `POST /admin/orders/:id/refunds`: refunds through the order's provider (all when no amount). */
  async refund(actor: Actor, orderId: string, input: RefundRequest): Promise<OrderDetailView> {
    const refundId = await this.db.transaction(async (tx) => {
      const { order, payment } = await this.lockWithPayment(tx, orderId);
      const left = refundable(payment);
      if (left <= 0) {
        throw new UnprocessableError('Nothing to refund: no money received, or all refunded.', {
          paidAmount: payment.paidAmount,
          refundedAmount: payment.refundedAmount,
        });
      }
      const amount = input.amount ?? left;
      if (amount > left) {
        throw new UnprocessableError(
          `Cannot refund ${amount}: only ${left} of what was paid is left to refund.`,
          { refundable: left, requested: amount },
        );
      }
      return this.requestRefundLocked(tx, order, payment, {
        amount,
        reason: input.reason,
        origin: 'admin',
        requestedBy: actor.id,
      });
    });
    // Carried out now; if the provider cannot be reached, the queued job retries it. A refusal
    // (502) is recorded as a failed refund and answered.
    await this.settleRefund(refundId).catch((error: Error) => {
      if (error instanceof PaymentProviderRejectedError) throw error;
      this.logger.warn({ refundId, err: error }, 'Refund left pending: its job will retry');
    });
    return this.orders.get(actor, orderId);
  }

  /** Orders module hook: the order (locked) was just cancelled. */
  async onOrderCancelled(tx: EntityManager, order: LockedOrder, actorId: string): Promise<void> {
    const payment = await this.repo.findByOrder(tx, order.id);
    if (!payment) return;
    if (payment.status === 'pending') {
      await this.repo.update(tx, payment.id, { status: 'cancelled' });
    }
    const left = refundable(payment);
    if (left > 0) {
      await this.requestRefundLocked(
        tx,
        { ...order, status: 'cancelled' },
        { ...payment, status: payment.status === 'pending' ? 'cancelled' : payment.status },
        { amount: left, reason: 'Order cancelled', origin: 'cancellation', requestedBy: actorId },
      );
    }
  }

  /** Writes a pending refund (its amount reserved) and the job that carries it out. */
  private async requestRefundLocked(
    tx: EntityManager,
    order: LockedOrder,
    payment: PaymentRow,
    refund: { amount: number; reason: string; origin: RefundOrigin; requestedBy: string | null },
  ): Promise<string> {
    const row = await this.repo.createRefund(tx, {
      paymentId: payment.id,
      orderId: order.id,
      ...refund,
    });
    await this.repo.update(tx, payment.id, {
      refundedAmount: payment.refundedAmount + refund.amount,
    });
    await this.outbox.add(tx, [jobMessages.refund(row.id)]);
    return row.id;
  }

  /**
   * The `payments:refund` job (and the refund route right away): carries a pending refund out
   * through the provider (idempotent on the refund id), then settles it with the order locked:
   * the payment's and the order's statuses, the credit note and the e-mail. A refund no longer
   * pending does nothing, so running it twice refunds once.
   */
  async settleRefund(refundId: string): Promise<'settled' | 'not-pending'> {
    const refund = await this.repo.findRefund(this.db, refundId);
    if (!refund || refund.status !== 'pending') return 'not-pending';
    const payment = (await this.repo.findByOrder(this.db, refund.orderId))!;
    const provider = this.registry.forPayment(payment.provider);
    let result;
    try {
      result = await provider.refund({
        paymentId: payment.id,
        refundId: refund.id,
        providerReference: payment.providerReference,
        amount: refund.amount,
        currency: payment.currency.toLowerCase(),
        reason: refund.reason,
      });
    } catch (error) {
      if (error instanceof PaymentProviderRejectedError) await this.failRefund(refund, error);
      throw error;
    }
    const events = await this.db.transaction(async (tx) => {
      const order = (await this.orderStatus.lock(tx, refund.orderId))!;
      const settled = await this.repo.settleRefund(tx, refund.id, {
        status: 'succeeded',
        providerRefundId: result.providerRefundId,
        payout: result.status === 'pending' ? 'manual' : 'provider',
      });
      if (!settled) return undefined;
      const current = (await this.repo.findByOrder(tx, order.id))!;
      return this.afterRefund(tx, order, current, refund.id);
    });
    if (!events) return 'not-pending';
    this.orderStatus.emitChanged(events);
    return 'settled';
  }

  /** The provider refused a refund for good: recorded failed, its amount refundable again. */
  private async failRefund(refund: RefundRow, error: Error): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.orderStatus.lock(tx, refund.orderId);
      if (
        !(await this.repo.settleRefund(tx, refund.id, { status: 'failed', failure: error.message }))
      ) {
        return;
      }
      const payment = (await this.repo.findByOrder(tx, refund.orderId))!;
      await this.repo.update(tx, payment.id, {
        refundedAmount: payment.refundedAmount - refund.amount,
      });
    });
    this.logger.error({ refundId: refund.id, err: error }, 'Refund refused by the provider');
  }

  /**
   * After a refund succeeded (order locked): the payment's status, the order's (partially)
   * refunded transition, and the credit note (when the order had been sold) or the e-mail.
   */
  private async afterRefund(
    tx: EntityManager,
    order: LockedOrder,
    payment: PaymentRow,
    refundId: string,
  ): Promise<OrderStatusChangedEvent[]> {
    const succeeded = await this.repo.succeededRefunds(tx, payment.id);
    const next = afterRefunds(payment, order.status, succeeded);
    await this.repo.update(tx, payment.id, { status: next.status, attention: next.attention });
    const events: OrderStatusChangedEvent[] = [];
    if (next.orderTo) {
      events.push(await this.orderStatus.applyTransition(tx, order, next.orderTo, null, 'payment'));
    }
    // An order that was paid has an invoice: each refund gets a credit note, which then sends
    // the e-mail with it; money that never paid the order (late) only gets the e-mail.
    const jobs: JobMessage[] = payment.paidAt
      ? [jobMessages.creditNote(order.id, refundId)]
      : [jobMessages.refundMail(order.id, refundId)];
    await this.outbox.add(tx, jobs);
    return events;
  }

  /**
   * One pass of the expiry sweep: orders whose payment window has passed unpaid become
   * `expired` (stock back, buyer told), each in its own transaction. An order another
   * transaction holds (a webhook paying it right now) is skipped and looked at next pass; the
   * status check under the lock makes each order expire once however many workers sweep.
   */
  async expireDue(batch = 100): Promise<number> {
    let expired = 0;
    for (const orderId of await this.repo.dueForExpiry(batch)) {
      const events = await this.db.transaction(async (tx) => {
        const order = await this.orderStatus.lockOrSkip(tx, orderId);
        if (order === 'skipped' || order.status !== 'awaiting_payment') return [];
        const payment = await this.repo.findByOrder(tx, orderId);
        if (!payment || payment.status !== 'pending' || payment.expiresAt.getTime() > Date.now()) {
          return [];
        }
        const event = await this.orderStatus.applyTransition(tx, order, 'expired', null, 'payment');
        // Part of the money may have arrived: it goes back like any late payment.
        const partial = payment.paidAmount > 0;
        await this.repo.update(tx, payment.id, {
          status: partial ? 'refund_required' : 'expired',
          ...(partial ? { attention: 'late_payment' as const } : {}),
        });
        if (partial && payment.provider !== 'manual') {
          await this.requestRefundLocked(tx, order, payment, {
            amount: payment.paidAmount - payment.refundedAmount,
            reason: 'Order expired before it was paid in full',
            origin: 'late_payment',
            requestedBy: null,
          });
        }
        return [event];
      });
      expired += events.length;
      this.orderStatus.emitChanged(events);
    }
    return expired;
  }

  /** Refunds pending for longer than their job should take (re-run by the sweep). */
  stalePendingRefunds(olderThanSeconds: number, limit = 20): Promise<string[]> {
    return this.repo.stalePendingRefunds(olderThanSeconds, limit);
  }

  private async lockWithPayment(
    tx: EntityManager,
    orderId: string,
  ): Promise<{ order: LockedOrder; payment: PaymentRow }> {
    const order = await this.orderStatus.lock(tx, orderId);
    const payment = order ? await this.repo.findByOrder(tx, orderId) : undefined;
    if (!order || !payment) throw new NotFoundError('No such order.');
    return { order, payment };
  }
}
