/**
 * The payments module's stored values (tables `payments`, `payment_events`,
 * `payment_receipts`, `refunds`: SQL only, in PaymentsRepository; the migration is the schema).
 */
export { PAYMENT_STATUSES, PaymentStatus } from '../orders/order-payments';

export const PAYMENT_ATTENTION = ['overpaid', 'late_payment'] as const;
export type PaymentAttention = (typeof PAYMENT_ATTENTION)[number];

export const REFUND_ORIGINS = ['admin', 'cancellation', 'late_payment', 'external'] as const;
export type RefundOrigin = (typeof REFUND_ORIGINS)[number];
export const REFUND_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];
export type RefundPayout = 'provider' | 'manual';
