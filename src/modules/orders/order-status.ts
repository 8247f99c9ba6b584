import { UnprocessableError } from '../../common/errors/domain-errors';
import {
  JobMessage,
  jobMessages,
  ORDER_MAIL_STATUSES,
  OrderMailStatus,
} from '../queues/queue-names';

export const ORDER_STATUSES = [
  'placed',
  'paid',
  'shipped',
  'delivered',
  'cancelled',
  'refunded',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * The order state machine: the one table of allowed transitions (from → the statuses it may
 * move to). Who may ask for a transition is decided by the caller (OrderStatusService); this
 * file only says which moves exist.
 *
 *   placed → paid → shipped → delivered
 *   placed | paid → cancelled            (stock restored)
 *   paid | shipped | delivered → refunded (no automatic restock; a credit note is issued)
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  placed: ['paid', 'cancelled'],
  paid: ['shipped', 'cancelled', 'refunded'],
  shipped: ['delivered', 'refunded'],
  delivered: ['refunded'],
  cancelled: [],
  refunded: [],
};

/** Statuses a buyer may still cancel from themselves (admins: any status that may cancel). */
export const OWNER_CANCELLABLE: readonly OrderStatus[] = ['placed'];

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** Throws a 422 naming both statuses when the table has no such move. */
export function assertTransition(from: OrderStatus, to: OrderStatus): void {
  if (canTransition(from, to)) return;
  const allowed = ORDER_TRANSITIONS[from];
  throw new UnprocessableError(
    `An order cannot go from ${from} to ${to}` +
      (allowed.length ? ` (from ${from}: ${allowed.join(', ')}).` : ` (${from} is final).`),
    { from, to, allowed: [...allowed] },
  );
}

/** The statuses whose change the buyer hears about by e-mail. */
export function notifiesBuyer(status: OrderStatus): status is OrderMailStatus {
  return (ORDER_MAIL_STATUSES as readonly string[]).includes(status);
}

/** The jobs a transition to `to` queues (written to the outbox in the same transaction). */
export function followUpJobs(orderId: string, historyId: string, to: OrderStatus): JobMessage[] {
  const jobs: JobMessage[] = [];
  if (notifiesBuyer(to)) jobs.push(jobMessages.orderStatus(orderId, historyId, to));
  if (to === 'refunded') jobs.push(jobMessages.creditNote(orderId));
  return jobs;
}
