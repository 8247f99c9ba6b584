import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { DataSource, EntityManager } from 'typeorm';
import { AddressResponse } from '../users/dto/user.response';
import type { PostalAddress } from '../users/entities/user.entity';

export const ORDER_STATUSES = [
  'placed',
  'paid',
  'shipped',
  'delivered',
  'cancelled',
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
  @ApiProperty({ type: AddressResponse })
  shippingAddress!: PostalAddress;
  @ApiPropertyOptional({ nullable: true })
  note!: string | null;
  @ApiProperty({
    type: OrderInvoiceRef,
    nullable: true,
    description: 'null until the invoice is issued',
  })
  invoice!: OrderInvoiceRef | null;
  @ApiProperty()
  createdAt!: Date;
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
}

/**
 * Orders in their API shape, in one query whatever their number. `shopId` limits the lines to
 * one shop's (the merchant view); the order's totals stay the whole order's.
 */
export async function loadOrderViews(
  runner: DataSource | EntityManager,
  ids: string[],
  options: { shopId?: string; apiPrefix?: string } = {},
): Promise<OrderView[]> {
  if (ids.length === 0) return [];
  const rows: OrderRow[] = await runner.query(
    `SELECT o.id, o.number, o.status, o.subtotal, o.tax, o.tax_rate_bps, o.shipping, o.total,
            o.currency, o.shipping_address, o.note, o.created_at,
            (SELECT i.number FROM invoices i WHERE i.order_id = o.id AND i.kind = 'invoice')
              AS invoice_number,
            (SELECT coalesce(jsonb_agg(jsonb_build_object(
                      'variantId', it.variant_id, 'productId', it.product_id, 'shopId', it.shop_id,
                      'title', it.title, 'sku', it.sku, 'options', it.options,
                      'unitPrice', it.unit_price, 'quantity', it.quantity,
                      'lineTotal', it.line_total) ORDER BY it.position), '[]'::jsonb)
               FROM order_items it
              WHERE it.order_id = o.id AND ($2::uuid IS NULL OR it.shop_id = $2)) AS items
       FROM orders o
      WHERE o.id = ANY($1::uuid[])
      ORDER BY array_position($1::uuid[], o.id)`,
    [ids, options.shopId ?? null],
  );
  const prefix = options.apiPrefix ?? '/api/v1';
  return rows.map((r) => ({
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
    createdAt: r.created_at,
  }));
}
