import { UnprocessableError } from '../../common/errors/domain-errors';
import {
  JobMessage,
  jobMessages,
  ORDER_MAIL_STATUSES,
  OrderMailStatus,
} from '../queues/queue-names';

export const ORDER_STATUSES = [
  'awaiting_payment',
  'paid',
  'shipped',
  'delivered',
  'cancelled',
  'expired',
  'partially_refunded',
  'refunded',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Who may cause a transition: `staff` through PATCH /admin/orders/:id/status (and a buyer
 * cancelling their unpaid order), `payment` only through the payments module (money received,
 * payment window passed, refunds). */
export type TransitionTrigger = 'staff' | 'payment';

/**
 * The order state machine: the one table of allowed transitions (from → to → who causes it).
 * Who may ask is checked by the caller (OrderStatusService, PaymentsService); this file only
 * says which moves exist.
 *
 *   awaiting_payment → paid → shipped → delivered
 *   awaiting_payment → expired        (payment window passed; stock restored)
 *   awaiting_payment | paid → cancelled (stock restored; a paid order is refunded)
 *   paid | shipped | delivered → partially_refunded → refunded (credit note per refund)
 */
export const ORDER_TRANSITIONS: Readonly<
  Record<OrderStatus, Readonly<Partial<Record<OrderStatus, TransitionTrigger>>>>
> = {
  awaiting_payment: { paid: 'payment', expired: 'payment', cancelled: 'staff' },
  paid: {
    shipped: 'staff',
    cancelled: 'staff',
    partially_refunded: 'payment',
    refunded: 'payment',
  },
  shipped: { delivered: 'staff', partially_refunded: 'payment', refunded: 'payment' },
  delivered: { partially_refunded: 'payment', refunded: 'payment' },
  partially_refunded: { shipped: 'staff', delivered: 'staff', refunded: 'payment' },
  cancelled: {},
  expired: {},
  refunded: {},
};

/** Statuses a buyer may still cancel from themselves (admins: any status that may cancel). */
export const OWNER_CANCELLABLE: readonly OrderStatus[] = ['awaiting_payment'];

/** Statuses in which the order's money is (at least partly) with the shop. */
export const PAID_STATUSES: readonly OrderStatus[] = [
  'paid',
  'shipped',
  'delivered',
  'partially_refunded',
];

export function allowedFrom(from: OrderStatus): OrderStatus[] {
  return Object.keys(ORDER_TRANSITIONS[from]) as OrderStatus[];
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from][to] !== undefined;
}

/**
 * Throws a 422 naming both statuses when the table has no such move, or when `trigger` may not
 * cause it (an admin cannot mark an order paid by hand: money is recorded as a payment).
 */
export function assertTransition(from: OrderStatus, to: OrderStatus, trigger?: TransitionTrigger) {
  const allowed = allowedFrom(from);
  const by = ORDER_TRANSITIONS[from][to];
  if (by === undefined) {
    throw new UnprocessableError(
      `An order cannot go from ${from} to ${to}` +
        (allowed.length ? ` (from ${from}: ${allowed.join(', ')}).` : ` (${from} is final).`),
      { from, to, allowed },
    );
  }
  if (trigger && by !== trigger) {
    throw new UnprocessableError(
      `An order becomes ${to} through its payment, not by setting its status: ` +
        (to === 'paid'
          ? 'record the money received (POST /admin/orders/:id/payments).'
          : to === 'expired'
            ? 'unpaid orders expire by themselves when their payment window passes.'
            : 'refund it (POST /admin/orders/:id/refunds).'),
      { from, to, allowed: allowed.filter((s) => ORDER_TRANSITIONS[from][s] === trigger) },
    );
  }
}

/** The statuses whose change the buyer hears about by e-mail. */
export function notifiesBuyer(status: OrderStatus): status is OrderMailStatus {
  return (ORDER_MAIL_STATUSES as readonly string[]).includes(status);
}

/**
 * The jobs a transition to `to` queues (written to the outbox in the same transaction). Being
 * paid issues the invoice (its number is taken then, never for an unpaid order), which then
 * sends the confirmation with the PDF; refunds queue their credit notes and e-mails themselves
 * (one per refund, see PaymentsService).
 */
export function followUpJobs(
  orderId: string,
  historyId: string | null,
  to: OrderStatus,
): JobMessage[] {
  const jobs: JobMessage[] = [];
  if (to === 'paid') jobs.push(jobMessages.invoice(orderId));
  if (notifiesBuyer(to)) {
    if (historyId === null) throw new Error(`The ${to} e-mail job needs its history row's id`);
    jobs.push(jobMessages.orderStatus(orderId, historyId, to));
  }
  return jobs;
}
