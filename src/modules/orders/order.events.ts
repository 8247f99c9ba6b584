import type { OrderStatus } from './order-status';

/** Events the orders module emits through EventEmitter2 (names and payloads in one place). */
export const ORDER_EVENTS = {
  /** An order changed status; emitted after the transaction that changed it committed. */
  statusChanged: 'order.status-changed',
} as const;

export interface OrderStatusChangedEvent {
  orderId: string;
  /** The `order_status_history` row of the change. */
  historyId: string;
  from: OrderStatus;
  to: OrderStatus;
  /** Who asked for it (null for the system). */
  actorId: string | null;
}
