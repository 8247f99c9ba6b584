import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AddressResponse } from '../../common/address/postal-address';
import type { PostalAddress } from '../../common/address/postal-address';
import { OrderPaymentView } from './order-payments';
import { ORDER_STATUSES, OrderStatus } from './order-status';

/** The API shapes of an order (its reads live in OrdersRepository). */

export class OrderItemView {
  @ApiPropertyOptional({
    format: 'uuid',
    nullable: true,
    description: 'null once the variant is deleted',
  })
  variantId!: string | null;
  @ApiPropertyOptional({ format: 'uuid', nullable: true })
  productId!: string | null;
  @ApiProperty({ format: 'uuid' })
  shopId!: string;
  @ApiProperty({ description: 'Product title at checkout' })
  title!: string;
  @ApiProperty({ description: 'SKU at checkout' })
  sku!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { size: 'M' } })
  options!: Record<string, string>;
  @ApiProperty({ description: 'Price at checkout, minor units' })
  unitPrice!: number;
  @ApiProperty()
  quantity!: number;
  @ApiProperty({ description: 'unitPrice × quantity, minor units' })
  lineTotal!: number;
}

export class OrderInvoiceRef {
  @ApiProperty({ example: 'INV-2026-000001' })
  number!: string;
  @ApiProperty({ example: '/api/v1/orders/0b6c…/invoice' })
  url!: string;
}

export class OrderCreditNoteRef {
  @ApiProperty({ example: 'CN-2026-000001' })
  number!: string;
  @ApiProperty({ description: 'What it credits back, minor units (positive)' })
  amount!: number;
  @ApiProperty({ example: '/api/v1/orders/0b6c…/credit-notes/CN-2026-000001' })
  url!: string;
}

export class OrderView {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty({ example: 'SO-2026-000123' })
  number!: string;
  @ApiProperty({ enum: ORDER_STATUSES })
  status!: OrderStatus;
  @ApiProperty({ type: [OrderItemView] })
  items!: OrderItemView[];
  @ApiProperty({ description: 'Sum of the line totals, minor units' })
  subtotal!: number;
  @ApiProperty({ description: 'Tax on the subtotal at taxRateBps, rounded half up, minor units' })
  tax!: number;
  @ApiProperty({ description: 'Tax rate in basis points (2000 = 20 %)' })
  taxRateBps!: number;
  @ApiProperty({ description: 'Flat shipping, 0 at or above the free-shipping threshold' })
  shipping!: number;
  @ApiProperty({ description: 'subtotal + tax + shipping, minor units' })
  total!: number;
  @ApiProperty({ example: 'EUR' })
  currency!: string;
  @ApiProperty({
    type: AddressResponse,
    description:
      'Snapshot taken at checkout; only `country` remains once the buyer deletes the account',
  })
  shippingAddress!: PostalAddress;
  @ApiPropertyOptional({ nullable: true })
  note!: string | null;
  @ApiProperty({
    type: OrderInvoiceRef,
    nullable: true,
    description: 'null until the invoice is issued (it is issued when the order is paid)',
  })
  invoice!: OrderInvoiceRef | null;
  @ApiProperty({ type: [OrderCreditNoteRef], description: 'One per refund, oldest first' })
  creditNotes!: OrderCreditNoteRef[];
  @ApiProperty({
    type: OrderPaymentView,
    nullable: true,
    description: 'The payment: provider, status, amounts, refunds, and what the client needs',
  })
  payment!: OrderPaymentView | null;
  @ApiPropertyOptional({
    nullable: true,
    description: 'While awaiting payment: when the order expires unpaid (its stock released)',
  })
  paymentDueAt!: Date | null;
  @ApiProperty()
  createdAt!: Date;
}

/** Who asked for a status change, as the buyer may see it. */
export const HISTORY_ACTORS = ['buyer', 'staff', 'system'] as const;
export type HistoryActor = (typeof HISTORY_ACTORS)[number];

export class OrderHistoryEntry {
  @ApiProperty({ enum: ORDER_STATUSES, nullable: true, description: 'null for the placement' })
  from!: OrderStatus | null;
  @ApiProperty({ enum: ORDER_STATUSES })
  to!: OrderStatus;
  @ApiProperty()
  at!: Date;
  @ApiProperty({
    enum: HISTORY_ACTORS,
    description: 'buyer: the order’s owner; staff: an admin; system: no user',
  })
  by!: HistoryActor;
}

/** One order as `GET /orders/:id` answers it: the order and its status history, oldest first. */
export class OrderDetailView extends OrderView {
  @ApiProperty({ type: [OrderHistoryEntry] })
  history!: OrderHistoryEntry[];
}
