import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { storeConfig, StoreConfig } from '../../src/config';
import { InventoryService } from '../../src/modules/inventory/inventory.service';
import type { OrderStatus } from '../../src/modules/orders/order-status';
import { createMerchant, createProduct } from './catalog';
import { createUser, TestUser } from './users';

export type FixtureOrderStatus = Exclude<OrderStatus, 'partially_refunded'>;

/** The statuses an order went through to reach each fixture status (history rows). */
const PATHS: Record<FixtureOrderStatus, OrderStatus[]> = {
  awaiting_payment: ['awaiting_payment'],
  paid: ['awaiting_payment', 'paid'],
  shipped: ['awaiting_payment', 'paid', 'shipped'],
  delivered: ['awaiting_payment', 'paid', 'shipped', 'delivered'],
  cancelled: ['awaiting_payment', 'cancelled'],
  expired: ['awaiting_payment', 'expired'],
  refunded: ['awaiting_payment', 'paid', 'refunded'],
};

const PAYMENT_STATUS: Record<FixtureOrderStatus, string> = {
  awaiting_payment: 'pending',
  paid: 'paid',
  shipped: 'paid',
  delivered: 'paid',
  cancelled: 'cancelled',
  expired: 'expired',
  refunded: 'refunded',
};

export interface FixtureOrderInput {
  userId: string;
  lines: { variantId: string; quantity: number }[];
  status?: FixtureOrderStatus;
}

/**
 * Writes an order straight into the tables, as checkout and its payment leave it (stock taken
 * through the inventory, lines snapshotted, totals from the store config, a manual payment
 * matching the status, the history rows of the way there), for suites that need orders to
 * exist without going through the cart. It writes no outbox row (so no invoice is issued).
 */
export async function insertOrder(
  app: NestFastifyApplication,
  input: FixtureOrderInput,
): Promise<{ id: string; number: string; total: number }> {
  const db = app.get(DataSource);
  const store = app.get<StoreConfig>(storeConfig.KEY);
  const inventory = app.get(InventoryService);
  return db.transaction(async (tx) => {
    const [buyer] = await tx.query(`SELECT name, email, address FROM users WHERE id = $1`, [
      input.userId,
    ]);
    const variants: {
      id: string;
      sku: string;
      price: number;
      options: Record<string, string>;
      product_id: string;
      shop_id: string;
      title: string;
    }[] = await tx.query(
      `SELECT v.id, v.sku, v.price, v.options, p.id AS product_id, p.shop_id, p.title
         FROM product_variants v JOIN products p ON p.id = v.product_id
        WHERE v.id = ANY($1::uuid[])`,
      [input.lines.map((l) => l.variantId)],
    );
    const byId = new Map(variants.map((v) => [v.id, v]));
    const lines = input.lines.map((l) => ({ ...l, v: byId.get(l.variantId)! }));
    const subtotal = lines.reduce((sum, l) => sum + l.v.price * l.quantity, 0);
    const tax = Math.round((subtotal * store.taxRateBps) / 10000);
    const shipping = subtotal >= store.freeShippingOver ? 0 : store.shippingFlat;
    const [{ number }] = await tx.query(
      `SELECT 'SO-' || extract(year FROM now())::int || '-' || lpad(nextval('order_number_seq')::text, 6, '0') AS number`,
    );
    const status = input.status ?? 'awaiting_payment';
    const total = subtotal + tax + shipping;
    const [order] = await tx.query(
      `INSERT INTO orders (number, user_id, status, currency, subtotal, tax, tax_rate_bps, shipping,
                           total, buyer_name, buyer_email, shipping_address)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [
        number,
        input.userId,
        status,
        store.currency,
        subtotal,
        tax,
        store.taxRateBps,
        shipping,
        subtotal + tax + shipping,
        buyer.name,
        buyer.email,
        JSON.stringify(
          buyer.address ?? {
            line1: '1 Test Road',
            city: 'Testville',
            postalCode: '12345',
            country: 'DE',
          },
        ),
      ],
    );
    await inventory.apply(
      tx,
      lines.map((l) => ({
        variantId: l.variantId,
        delta: -l.quantity,
        reason: 'order' as const,
        actorId: input.userId,
        orderId: order.id,
      })),
    );
    for (const [position, l] of lines.entries()) {
      await tx.query(
        `INSERT INTO order_items (order_id, position, variant_id, product_id, shop_id, sku, title,
                                  options, unit_price, quantity, line_total)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          order.id,
          position,
          l.variantId,
          l.v.product_id,
          l.v.shop_id,
          l.v.sku,
          l.v.title,
          JSON.stringify(l.v.options),
          l.v.price,
          l.quantity,
          l.v.price * l.quantity,
        ],
      );
    }
    const path = PATHS[status];
    for (const [i, to] of path.entries()) {
      await tx.query(
        `INSERT INTO order_status_history (order_id, from_status, to_status, actor_id)
         VALUES ($1, $2, $3, $4)`,
        [order.id, i ? path[i - 1] : null, to, input.userId],
      );
    }
    const paid = path.includes('paid');
    await tx.query(
      `INSERT INTO payments (order_id, provider, status, amount, paid_amount, refunded_amount,
                             currency, provider_reference, expires_at, paid_at)
       VALUES ($1, 'manual', $2, $3, $4, $5, $6, $7, now() + interval '7 days', $8)`,
      [
        order.id,
        PAYMENT_STATUS[status],
        total,
        paid ? total : 0,
        status === 'refunded' ? total : 0,
        store.currency,
        number,
        paid ? new Date() : null,
      ],
    );
    return { id: order.id as string, number: number as string, total };
  });
}

/**
 * A new buyer with `count` orders of one new product (1, 2 or 3 units each, in turn), for
 * suites that need many orders to run jobs on.
 */
export async function insertOrdersOfNewBuyer(
  app: NestFastifyApplication,
  count: number,
  status?: FixtureOrderStatus,
): Promise<{ buyer: TestUser; orders: { id: string; number: string; total: number }[] }> {
  const merchant = await createMerchant(app);
  const product = await createProduct(app, merchant, {
    variants: [{ price: 2599, stock: 10 * count }],
  });
  const buyer = await createUser(app);
  const orders = [];
  for (let i = 0; i < count; i++) {
    orders.push(
      await insertOrder(app, {
        userId: buyer.id,
        lines: [{ variantId: product.variants[0].id as string, quantity: 1 + (i % 3) }],
        ...(status ? { status } : {}),
      }),
    );
  }
  return { buyer, orders };
}
