import type { OrderStatus } from '../orders/order-status';
import { PAID_STATUSES } from '../orders/order-status';
import type { PaymentAttention, PaymentStatus } from './payment-types';

/** The amounts of a payment that its rules look at. */
export interface PaymentAmounts {
  status: PaymentStatus;
  amount: number;
  paidAmount: number;
  /** Refunds requested and not failed (pending ones reserve their amount). */
  refundedAmount: number;
  attention: PaymentAttention | null;
}

export interface ReceiptOutcome {
  payment: PaymentAmounts;
  /** The order's next status, when the receipt moves it (only ever to `paid`). */
  orderTo: 'paid' | null;
  /**
   * Money that arrived for an order that had already ended (expired, cancelled): it is given
   * back, through the provider when it can, else flagged for an admin.
   */
  late: number;
  /** A short description for the event log and the answer. */
  outcome: string;
}

/**
 * What `received` minor units of new money do to a payment whose order is `orderStatus`.
 * Partial amounts add up; the order is paid when they reach the amount; more than the amount
 * is kept and flagged `overpaid`; money for an order no longer waiting is `late`.
 */
export function applyReceipt(
  p: PaymentAmounts,
  orderStatus: OrderStatus,
  received: number,
): ReceiptOutcome {
  if (!Number.isInteger(received) || received <= 0) {
    throw new RangeError('A received amount must be a positive whole number of minor units');
  }
  const paidAmount = p.paidAmount + received;
  if (orderStatus === 'awaiting_payment' && p.status === 'pending') {
    if (paidAmount < p.amount) {
      return {
        payment: { ...p, paidAmount },
        orderTo: null,
        late: 0,
        outcome: `partial payment: ${paidAmount} of ${p.amount}`,
      };
    }
    const overpaid = paidAmount > p.amount;
    return {
      payment: { ...p, paidAmount, status: 'paid', attention: overpaid ? 'overpaid' : p.attention },
      orderTo: 'paid',
      late: 0,
      outcome: overpaid ? `paid, overpaid by ${paidAmount - p.amount}` : 'paid',
    };
  }
  if (PAID_STATUSES.includes(orderStatus)) {
    return {
      payment: { ...p, paidAmount, attention: 'overpaid' },
      orderTo: null,
      late: 0,
      outcome: `received ${received} for an order already paid: overpaid`,
    };
  }
  // expired, cancelled, refunded: the order is over; this money goes back.
  return {
    payment: { ...p, paidAmount, status: 'refund_required', attention: 'late_payment' },
    orderTo: null,
    late: received,
    outcome: `received ${received} after the order was ${orderStatus}: to be refunded`,
  };
}

/** What may still be refunded: money received minus refunds requested and not failed. */
export function refundable(p: PaymentAmounts): number {
  return p.paidAmount - p.refundedAmount;
}

/**
 * The payment's status once refunds totalling `succeeded` have been carried out, and the
 * order's next status when it changes: an order still with its goods goes
 * `partially_refunded` or `refunded`; an order that had ended (expired, cancelled) keeps its
 * status and only its payment becomes `refunded`.
 */
export function afterRefunds(
  p: PaymentAmounts,
  orderStatus: OrderStatus,
  succeeded: number,
): { status: PaymentStatus; orderTo: OrderStatus | null; attention: PaymentAttention | null } {
  const all = succeeded >= p.paidAmount;
  if (PAID_STATUSES.includes(orderStatus)) {
    const orderTo: OrderStatus = all ? 'refunded' : 'partially_refunded';
    return {
      status: all ? 'refunded' : 'partially_refunded',
      orderTo: orderTo === orderStatus ? null : orderTo,
      attention: all ? null : p.attention,
    };
  }
  if (orderStatus === 'refunded') return { status: 'refunded', orderTo: null, attention: null };
  // Expired or cancelled: whatever arrived goes back; flagged until it all has.
  return {
    status: all ? 'refunded' : 'refund_required',
    orderTo: null,
    attention: all ? null : p.attention,
  };
}
