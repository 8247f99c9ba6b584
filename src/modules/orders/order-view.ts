import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { DataSource, EntityManager } from 'typeorm';
import { AddressResponse } from '../users/dto/user.response';
import type { PostalAddress } from '../users/entities/user.entity';
import { preparedQuery } from '../../database/sql';
import { OrderPaymentView } from './order-payments';

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

interface OrderRow {
  id: string;
  number: string;
  status: OrderStatus;
  subtotal: number;
  tax: number;
  tax_rate_bps: number;
  shipping: number;
  total: number;
  currency: string;
  shipping_address: PostalAddress;
  note: string | null;
  created_at: Date;
  invoice_number: string | null;
  credit_notes: { number: string; amount: number }[];
  items: {
    variantId: string | null;
    productId: string | null;
    shopId: string;
    title: string;
    sku: string;
    options: Record<string, string>;
    unitPrice: number;
    quantity: number;
    lineTotal: number;
  }[];
  history: { from: OrderStatus | null; to: OrderStatus; at: string; by: HistoryActor }[] | null;
}

export interface OrderViewOptions {
  /** Only this shop's lines (the merchant view); totals stay the whole order's. */
  shopId?: string;
  /** Only orders of this buyer (others are left out, as if they did not exist). */
  userId?: string;
  apiPrefix?: string;
}

/**
 * Orders in their API shape, in one query whatever their number (a named statement outside a
 * transaction). `shopId` limits the lines to
 * one shop's (the merchant view); the order's totals stay the whole order's.
 */
export function loadOrderViews(
  runner: DataSource | EntityManager,
  ids: string[],
  options: OrderViewOptions = {},
): Promise<OrderView[]> {
  return queryOrderViews(runner, ids, options, false);
}

/** Orders with their status history (oldest first), in one query. */
export function loadOrderDetails(
  runner: DataSource | EntityManager,
  ids: string[],
  options: OrderViewOptions = {},
): Promise<OrderDetailView[]> {
  return queryOrderViews(runner, ids, options, true) as Promise<OrderDetailView[]>;
}

async function queryOrderViews(
  runner: DataSource | EntityManager,
  ids: string[],
  options: OrderViewOptions,
  withHistory: boolean,
): Promise<(OrderView | OrderDetailView)[]> {
  if (ids.length === 0) return [];
  const rows = await preparedQuery<OrderRow>(
    runner,
    `SELECT o.id, o.number, o.status, o.subtotal, o.tax, o.tax_rate_bps, o.shipping, o.total,
            o.currency, o.shipping_address, o.note, o.created_at,
            (SELECT i.number FROM invoices i WHERE i.order_id = o.id AND i.kind = 'invoice')
              AS invoice_number,
            (SELECT coalesce(jsonb_agg(jsonb_build_object('number', c.number, 'amount', -c.total)
                      ORDER BY c.issued_at, c.number), '[]'::jsonb)
               FROM invoices c WHERE c.order_id = o.id AND c.kind = 'credit_note')
              AS credit_notes,
            (SELECT coalesce(jsonb_agg(jsonb_build_object(
                      'variantId', it.variant_id, 'productId', it.product_id, 'shopId', it.shop_id,
                      'title', it.title, 'sku', it.sku, 'options', it.options,
                      'unitPrice', it.unit_price, 'quantity', it.quantity,
                      'lineTotal', it.line_total) ORDER BY it.position), '[]'::jsonb)
               FROM order_items it
              WHERE it.order_id = o.id AND ($2::uuid IS NULL OR it.shop_id = $2)) AS items,
            CASE WHEN $3::boolean THEN
              (SELECT coalesce(jsonb_agg(jsonb_build_object(
                        'from', h.from_status, 'to', h.to_status, 'at', h.created_at,
                        'by', CASE WHEN h.actor_id IS NULL THEN 'system'
                                   WHEN h.actor_id = o.user_id THEN 'buyer'
                                   ELSE 'staff' END) ORDER BY h.id), '[]'::jsonb)
                 FROM order_status_history h WHERE h.order_id = o.id)
            END AS history
       FROM orders o
      WHERE o.id = ANY($1::uuid[]) AND ($4::uuid IS NULL OR o.user_id = $4)
      ORDER BY array_position($1::uuid[], o.id)`,
    [ids, options.shopId ?? null, withHistory, options.userId ?? null],
  );
  const prefix = options.apiPrefix ?? '/api/v1';
  return rows.map((r) => ({
    ...toOrderView(r, prefix),
    ...(r.history
      ? {
          history: r.history.map((h) => ({ from: h.from, to: h.to, at: new Date(h.at), by: h.by })),
        }
      : {}),
  }));
}

function toOrderView(r: OrderRow, prefix: string): OrderView {
  return {
    id: r.id,
    number: r.number,
    status: r.status,
    items: r.items,
    subtotal: r.subtotal,
    tax: r.tax,
    taxRateBps: r.tax_rate_bps,
    shipping: r.shipping,
    total: r.total,
    currency: r.currency.trim(),
    shippingAddress: r.shipping_address,
    note: r.note,
    invoice: r.invoice_number
      ? { number: r.invoice_number, url: `${prefix}/orders/${r.id}/invoice` }
      : null,
    creditNotes: r.credit_notes.map((c) => ({
      ...c,
      url: `${prefix}/orders/${r.id}/credit-notes/${c.number}`,
    })),
    payment: null,
    paymentDueAt: null,
    createdAt: r.created_at,
  };
}
