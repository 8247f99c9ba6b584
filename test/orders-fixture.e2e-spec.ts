import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { OrdersRepository } from '../src/modules/orders/orders.repository';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { jobMessages } from '../src/modules/queues/queue-names';
import { createMerchant, createProduct } from './support/catalog';
import { insertOrder } from './support/orders-fixture';
import { createTestApp } from './support/test-app';
import { createUser } from './support/users';

describe('order tables, fixture and outbox writes', () => {
  let app: NestFastifyApplication;
  let db: DataSource;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
  });
  afterAll(() => app.close());

  it('writes an order whose totals and stock agree with its lines', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, { variants: [{ price: 1250, stock: 5 }] });
    const buyer = await createUser(app);
    const variantId = product.variants[0].id;

    const order = await insertOrder(app, { userId: buyer.id, lines: [{ variantId, quantity: 2 }] });

    const [row] = await db.query(
      `SELECT subtotal, tax, shipping, total FROM orders WHERE id = $1`,
      [order.id],
    );
    expect(row).toEqual({ subtotal: 2500, tax: 500, shipping: 499, total: 3499 });
    expect(order.number).toMatch(/^SO-\d{4}-\d{6}$/);
    const [{ stock }] = await db.query(`SELECT stock FROM product_variants WHERE id = $1`, [
      variantId,
    ]);
    expect(stock).toBe(3);

    const [view] = await app.get(OrdersRepository).loadViews([order.id]);
    expect(view).toMatchObject({
      id: order.id,
      number: order.number,
      status: 'awaiting_payment',
      currency: 'EUR',
      total: 3499,
      invoice: null,
      items: [
        { variantId, sku: product.variants[0].sku, unitPrice: 1250, quantity: 2, lineTotal: 2500 },
      ],
    });
    const [otherShop] = await app.get(OrdersRepository).loadViews([order.id], {
      shopId: '00000000-0000-4000-8000-000000000009',
    });
    expect(otherShop.items).toEqual([]);
  });

  it('keeps one outbox row per job id and none for a rolled-back transaction', async () => {
    const outbox = app.get(OutboxService);
    const orderId = '00000000-0000-4000-8000-000000000001';
    await outbox.add(db.manager, [jobMessages.invoice(orderId)]);
    await outbox.add(db.manager, [jobMessages.invoice(orderId)]);
    await expect(
      db.transaction(async (tx) => {
        await outbox.add(tx, [jobMessages.creditNote(orderId, orderId)]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');

    const rows = await db.query(`SELECT job_id FROM outbox WHERE payload->>'orderId' = $1`, [
      orderId,
    ]);
    expect(rows).toEqual([{ job_id: `invoice.${orderId}` }]);
  });
});
