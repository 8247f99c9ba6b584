import { Injectable } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { EntityManager } from 'typeorm';
import type { OrderStatus } from './order-status';

/** An order locked `FOR UPDATE` by OrderStatusService.lock, as the payments module sees it. */
export interface LockedOrder {
  id: string;
  number: string;
  userId: string;
  status: OrderStatus;
  total: number;
  currency: string;
}

/**
 * pending: waiting for the money; paid: the full amount arrived; partially_refunded/refunded:
 * money given back; expired/cancelled: the order ended unpaid; refund_required: money arrived
 * for an order that had already ended and an admin must pay it back by hand (manual).
 */
export const PAYMENT_STATUSES = [
  'pending',
  'paid',
  'partially_refunded',
  'refunded',
  'expired',
  'cancelled',
  'refund_required',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export class OrderRefundView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ description: 'Minor units' })
  amount!: number;
  @ApiProperty()
  reason!: string;
  @ApiProperty({
    enum: ['pending', 'succeeded', 'failed'],
    description: 'pending until the provider has carried it out',
  })
  status!: string;
  @ApiProperty({
    enum: ['provider', 'manual'],
    description: 'manual: paid back by hand (bank transfer, cash)',
  })
  payout!: string;
  @ApiPropertyOptional({ nullable: true, description: 'The credit note issued for it' })
  creditNoteNumber!: string | null;
  @ApiProperty()
  createdAt!: Date;
}

export class BankAccountView {
  @ApiProperty() accountHolder!: string;
  @ApiProperty() iban!: string;
  @ApiProperty() bic!: string;
  @ApiProperty() bankName!: string;
}

/** The order's payment in the order answer (`payment`). */
export class OrderPaymentView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ enum: ['manual', 'stripe'] })
  provider!: string;
  @ApiProperty({
    enum: PAYMENT_STATUSES,
    description:
      'pending: waiting for the money; refund_required: money arrived after the order ended ' +
      'and an admin must pay it back (manual)',
  })
  status!: PaymentStatus;
  @ApiProperty({ description: 'What is due, minor units' })
  amount!: number;
  @ApiProperty({ description: 'Received so far, minor units' })
  paidAmount!: number;
  @ApiProperty({ description: 'Refunded (or being refunded), minor units' })
  refundedAmount!: number;
  @ApiProperty({ example: 'EUR' })
  currency!: string;
  @ApiProperty({ description: 'When an unpaid order expires' })
  expiresAt!: Date;
  @ApiPropertyOptional({
    enum: ['overpaid', 'late_payment'],
    nullable: true,
    description: 'Something an admin should look at',
  })
  attention!: string | null;
  @ApiProperty({ type: [OrderRefundView] })
  refunds!: OrderRefundView[];
  @ApiPropertyOptional({ description: 'Stripe: the PaymentIntent client secret (while pending)' })
  clientSecret?: string;
  @ApiPropertyOptional({ description: 'manual: how to pay, in words' })
  instructions?: string;
  @ApiPropertyOptional({ description: 'manual: the reference to write on the transfer' })
  reference?: string;
  @ApiPropertyOptional({ type: BankAccountView, description: 'manual: where to transfer to' })
  bankAccount?: BankAccountView;
}

/**
 * What orders need from the payments module, which depends on orders (so it registers itself
 * here at start instead of being injected: no module cycle).
 */
export interface OrderPayments {
  /**
   * In the cancelling transaction, with the order locked and its status already `cancelled`:
   * a pending payment is closed, money received is refunded (through the provider).
   */
  onOrderCancelled(tx: EntityManager, order: LockedOrder, actorId: string): Promise<void>;
  /** The payments of these orders in their API shape. */
  views(orderIds: string[]): Promise<Map<string, OrderPaymentView>>;
  /**
   * SQL of one column of an orders statement: the payment of the order whose id is `orderId`
   * (an SQL expression, e.g. `o.id`) as one JSON value, or null (a page of orders and their
   * payments in one statement).
   */
  viewColumn(orderId: string): string;
  /** That column's value in the API shape (null: no payment). */
  viewOf(value: unknown): OrderPaymentView | null;
}

/** Where the payments module plugs itself in at start (see OrderPayments). */
@Injectable()
export class OrderPaymentsLink {
  private impl?: OrderPayments;

  attach(payments: OrderPayments): void {
    this.impl = payments;
  }

  get payments(): OrderPayments {
    if (!this.impl) throw new Error('The payments module is not attached to orders');
    return this.impl;
  }
}
