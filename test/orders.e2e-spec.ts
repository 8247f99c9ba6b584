import { EventEmitter2 } from '@nestjs/event-emitter';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ORDER_EVENTS, OrderStatusChangedEvent } from '../src/modules/orders/order.events';
import { ORDER_STATUSES, ORDER_TRANSITIONS } from '../src/modules/orders/order-status';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { createMerchant, createProduct } from './support/catalog';
import { FixtureOrderStatus, insertOrder } from './support/orders-fixture';
import { AdminPayments } from './support/payments';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

type Product = { id: string; variants: { id: string; sku: string }[] };

// The table itself is proven by src/modules/orders/order-status.spec.ts; here, that the API applies it.
// PATCH /admin/orders/:id/status makes the `staff` moves; `payment` ones are refused there.
const TRANSITIONS = ORDER_STATUSES.filter(
  (s): s is FixtureOrderStatus => s !== 'partially_refunded',
).flatMap((from) =>
  ORDER_STATUSES.map((to) => [from, to, ORDER_TRANSITIONS[from][to] === 'staff'] as const),
);

describe('orders', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let admin: TestUser;
  let shop: Awaited<ReturnType<typeof createMerchant>>;
  let product: Product;

  const api = (
    user: TestUser | undefined,
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    payload?: object,
  ) => app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });

  /** An order of `user` for `quantity` of the variant, written as checkout would. */
  const place = (
    user: TestUser,
    status: FixtureOrderStatus = 'awaiting_payment',
    quantity = 1,
    variantId?: string,
  ) =>
    insertOrder(app, {
      userId: user.id,
      lines: [{ variantId: variantId ?? product.variants[0].id, quantity }],
      status,
    });

  const stockOf = async (variantId: string): Promise<number> =>
    (await db.query(`SELECT stock FROM product_variants WHERE id = $1`, [variantId]))[0].stock;

  const statusOf = async (orderId: string): Promise<string> =>
    (await db.query(`SELECT status FROM orders WHERE id = $1`, [orderId]))[0].status;

  const historyOf = (
    orderId: string,
  ): Promise<{ from_status: string | null; to_status: string; actor_id: string | null }[]> =>
    db.query(
      `SELECT from_status, to_status, actor_id FROM order_status_history WHERE order_id = $1 ORDER BY id`,
      [orderId],
    );

  const outboxOf = (
    orderId: string,
  ): Promise<{ name: string; job_id: string; payload: Record<string, string> }[]> =>
    db.query(
      `SELECT name, job_id, payload FROM outbox WHERE payload->>'orderId' = $1 ORDER BY id`,
      [orderId],
    );

  /** Every page of `url` with `limit`, as order ids in the order they came. */
  async function walk(
    user: TestUser,
    url: string,
    limit: number,
    between?: () => Promise<unknown>,
  ) {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const sep = url.includes('?') ? '&' : '?';
      const res = await api(
        user,
        'GET',
        `${url}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.items.length).toBeLessThanOrEqual(limit);
      ids.push(...body.items.map((o: { id: string }) => o.id));
      cursor = body.nextCursor;
      if (pages++ === 0) await between?.();
    } while (cursor);
    return ids;
  }

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    admin = await createUser(app, 'admin');
    shop = await createMerchant(app);
    product = await createProduct(app, shop, { variants: [{ price: 1000, stock: 100_000 }] });
  });
  afterAll(() => app.close());

  describe('the buyer’s own orders', () => {
    it('pages newest first with no duplicate or gap, even when orders arrive between pages', async () => {
      const buyer = await createUser(app);
      const someoneElse = await createUser(app);
      await place(someoneElse);
      const placed: string[] = [];
      for (let i = 0; i < 7; i++) placed.push((await place(buyer)).id);

      const later: string[] = [];
      const seen = await walk(buyer, '/orders', 3, async () => {
        later.push((await place(buyer)).id, (await place(buyer)).id);
      });
      expect(seen).toEqual([...placed].reverse());

      const fresh = await walk(buyer, '/orders', 100);
      expect(fresh).toEqual([...placed, ...later].reverse());
    });

    it('answers in the API order shape', async () => {
      const buyer = await createUser(app);
      const order = await place(buyer, 'awaiting_payment', 2);
      const res = await api(buyer, 'GET', '/orders');
      expect(res.json()).toEqual({
        items: [
          expect.objectContaining({
            id: order.id,
            number: order.number,
            status: 'awaiting_payment',
            items: [
              expect.objectContaining({
                variantId: product.variants[0].id,
                productId: product.id,
                sku: product.variants[0].sku,
                unitPrice: 1000,
                quantity: 2,
                lineTotal: 2000,
              }),
            ],
            subtotal: 2000,
            total: order.total,
            currency: 'EUR',
            invoice: null,
          }),
        ],
        nextCursor: null,
      });
      expect(res.json().items[0]).not.toHaveProperty('history');
    });

    it('reads a page in a constant number of queries whatever its size', async () => {
      const buyer = await createUser(app);
      for (let i = 0; i < 12; i++) await place(buyer);
      // The checkouts' outbox wake-ups (NOTIFY, after their answers) are not the page's.
      await app.get(OutboxService).wakeUpsSent();
      // Every statement, from TypeORM or the pool, goes through a pg Client.
      const spy = jest.spyOn(Client.prototype, 'query');
      const counts: number[] = [];
      try {
        for (const limit of [1, 12]) {
          spy.mockClear();
          const res = await api(buyer, 'GET', `/orders?limit=${limit}`);
          expect(res.json().items).toHaveLength(limit);
          counts.push(spy.mock.calls.length);
        }
      } finally {
        spy.mockRestore();
      }
      expect(counts[0]).toBe(counts[1]);
      // The caller's session check, then the page with its lines and payments.
      expect(counts[0]).toBe(2);
    });

    it('refuses a bad limit or cursor with a 400', async () => {
      const buyer = await createUser(app);
      for (const query of ['limit=0', 'limit=101', 'limit=ten', 'cursor=garbage', 'sort=x']) {
        const res = await api(buyer, 'GET', `/orders?${query}`);
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
      // A cursor of another list is refused too.
      await place(admin);
      await place(admin);
      const adminPage = await api(admin, 'GET', '/admin/orders?limit=1');
      const replay = await api(buyer, 'GET', `/orders?cursor=${adminPage.json().nextCursor}`);
      expect(replay.statusCode).toBe(400);
    });

    it('shows an order with its history to its owner and admins, 404 to others, 400 on a bad id', async () => {
      const buyer = await createUser(app);
      const other = await createUser(app);
      const order = await place(buyer);

      const own = await api(buyer, 'GET', `/orders/${order.id}`);
      expect(own.statusCode).toBe(200);
      expect(own.json()).toMatchObject({
        id: order.id,
        status: 'awaiting_payment',
        history: [{ from: null, to: 'awaiting_payment', by: 'buyer' }],
      });
      expect(Date.parse(own.json().history[0].at)).not.toBeNaN();

      expect((await api(admin, 'GET', `/orders/${order.id}`)).json().id).toBe(order.id);
      const hidden = await api(other, 'GET', `/orders/${order.id}`);
      expect(hidden.statusCode).toBe(404);
      expect(hidden.headers['content-type']).toContain('application/problem+json');
      expect((await api(buyer, 'GET', `/orders/${randomUUID()}`)).statusCode).toBe(404);
      expect((await api(buyer, 'GET', '/orders/not-a-uuid')).statusCode).toBe(400);
      expect((await api(undefined, 'GET', `/orders/${order.id}`)).statusCode).toBe(401);
    });
  });

  describe('admin list', () => {
    it('filters by status and pages through every match', async () => {
      const buyer = await createUser(app);
      const shipped = [(await place(buyer, 'shipped')).id, (await place(buyer, 'shipped')).id];
      const paid = (await place(buyer, 'paid')).id;

      const ids = await walk(admin, '/admin/orders?status=shipped', 2);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(shipped));
      expect(ids).not.toContain(paid);
      const statuses: { status: string }[] = await db.query(
        `SELECT DISTINCT status FROM orders WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      expect(statuses).toEqual([{ status: 'shipped' }]);

      const all = await walk(admin, '/admin/orders', 50);
      expect(new Set(all).size).toBe(all.length);
      expect(all).toEqual(expect.arrayContaining([...shipped, paid]));
    });

    it('refuses an unknown status (400)', async () => {
      for (const status of ['lost', 'PAID', '']) {
        const res = await api(admin, 'GET', `/admin/orders?status=${status}`);
        expect(res.statusCode).toBe(400);
      }
    });
  });

  describe('merchant view', () => {
    it('lists the orders holding the merchant’s products with only their lines', async () => {
      const other = await createMerchant(app);
      const otherProduct: Product = await createProduct(app, other, {
        variants: [{ price: 700, stock: 50 }],
      });
      const buyer = await createUser(app);
      const mixed = await insertOrder(app, {
        userId: buyer.id,
        lines: [
          { variantId: product.variants[0].id, quantity: 1 },
          { variantId: otherProduct.variants[0].id, quantity: 3 },
        ],
      });
      const onlyOther = await place(buyer, 'awaiting_payment', 1, otherProduct.variants[0].id);

      const mine = await api(shop, 'GET', '/merchant/orders?limit=100');
      expect(mine.statusCode).toBe(200);
      const mineById = new Map(mine.json().items.map((o: { id: string }) => [o.id, o]));
      expect(mineById.has(onlyOther.id)).toBe(false);
      expect(mineById.get(mixed.id)).toMatchObject({
        total: mixed.total,
        items: [{ variantId: product.variants[0].id, shopId: shop.shopId, quantity: 1 }],
      });

      const theirs = await api(other, 'GET', '/merchant/orders?limit=100');
      expect(theirs.json().items.map((o: { id: string }) => o.id)).toEqual([
        onlyOther.id,
        mixed.id,
      ]);
      expect(theirs.json().items[1].items).toEqual([
        expect.objectContaining({ variantId: otherProduct.variants[0].id, quantity: 3 }),
      ]);

      const filtered = await api(other, 'GET', '/merchant/orders?status=paid');
      expect(filtered.json()).toEqual({ items: [], nextCursor: null });
      const noShop = await createUser(app, 'merchant');
      expect((await api(noShop, 'GET', '/merchant/orders')).json()).toEqual({
        items: [],
        nextCursor: null,
      });
    });

    it('shows admins one named shop; refuses other shops to merchants', async () => {
      const buyer = await createUser(app);
      const order = await place(buyer);
      const asMerchant = await api(shop, 'GET', `/merchant/orders?shopId=${shop.shopId}`);
      const asAdmin = await api(admin, 'GET', `/merchant/orders?shopId=${shop.shopId}`);
      expect(asAdmin.statusCode).toBe(200);
      expect(asAdmin.json()).toEqual(asMerchant.json());
      expect(asAdmin.json().items[0].id).toBe(order.id);

      const other = await createMerchant(app);
      expect((await api(other, 'GET', `/merchant/orders?shopId=${shop.shopId}`)).statusCode).toBe(
        404,
      );
      expect((await api(admin, 'GET', '/merchant/orders')).statusCode).toBe(400);
      expect((await api(admin, 'GET', `/merchant/orders?shopId=${randomUUID()}`)).statusCode).toBe(
        404,
      );
      expect((await api(admin, 'GET', '/merchant/orders?shopId=nope')).statusCode).toBe(400);
      expect((await api(buyer, 'GET', `/merchant/orders?shopId=${shop.shopId}`)).statusCode).toBe(
        403,
      );
    });
  });

  describe('status changes', () => {
    it.each(TRANSITIONS)('admin %s → %s: allowed %s', async (from, to, legal) => {
      const buyer = await createUser(app);
      const order = await place(buyer, from, 2);
      const stockBefore = await stockOf(product.variants[0].id);
      const steps = (await historyOf(order.id)).length;

      const res = await api(admin, 'PATCH', `/admin/orders/${order.id}/status`, { status: to });

      const history = await historyOf(order.id);
      const jobs = await outboxOf(order.id);
      if (!legal) {
        expect(res.statusCode).toBe(422);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 422, from, to });
        expect(res.json().detail).toMatch(
          ORDER_TRANSITIONS[from][to] ? /through its payment/ : `from ${from} to ${to}`,
        );
        expect(await statusOf(order.id)).toBe(from);
        expect(history).toHaveLength(steps);
        expect(jobs).toEqual([]);
        expect(await stockOf(product.variants[0].id)).toBe(stockBefore);
        return;
      }
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id: order.id, status: to });
      expect(res.json().history.at(-1)).toMatchObject({ from, to, by: 'staff' });
      expect(history).toHaveLength(steps + 1);
      expect(await statusOf(order.id)).toBe(to);
      expect(history.at(-1)).toEqual({ from_status: from, to_status: to, actor_id: admin.id });
      const [{ id: historyId }] = await db.query(
        `SELECT id FROM order_status_history WHERE order_id = $1 ORDER BY id DESC LIMIT 1`,
        [order.id],
      );
      const expectedJobs: string[] = [];
      if (['shipped', 'cancelled', 'expired'].includes(to)) {
        expectedJobs.push(`mail.order-status.${historyId}`);
      }
      expect(jobs.map((j) => j.job_id)).toEqual(expectedJobs);
      if (expectedJobs.length) {
        expect(jobs[0].payload).toEqual({ orderId: order.id, historyId, status: to });
      }
      // Only cancellation restocks.
      expect(await stockOf(product.variants[0].id)).toBe(
        stockBefore + (to === 'cancelled' ? 2 : 0),
      );
      // A paid order cancelled is refunded in full through its provider.
      const refunds = await new AdminPayments(app, admin).refundsOf(order.id);
      expect(refunds.map((r) => r.amount)).toEqual(
        to === 'cancelled' && from === 'paid' ? [order.total] : [],
      );
    });

    it('refuses malformed input with a 400 and changes nothing', async () => {
      const buyer = await createUser(app);
      const order = await place(buyer);
      const bodies = [{}, { status: 'lost' }, { status: 'paid', extra: 1 }, { status: 3 }, null];
      for (const body of bodies) {
        const res = await api(
          admin,
          'PATCH',
          `/admin/orders/${order.id}/status`,
          body ?? undefined,
        );
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toContain('application/problem+json');
      }
      expect(
        (await api(admin, 'PATCH', '/admin/orders/nope/status', { status: 'paid' })).statusCode,
      ).toBe(400);
      expect((await api(buyer, 'POST', '/orders/nope/cancel')).statusCode).toBe(400);
      const missing = await api(admin, 'PATCH', `/admin/orders/${randomUUID()}/status`, {
        status: 'paid',
      });
      expect(missing.statusCode).toBe(404);
      expect(await statusOf(order.id)).toBe('awaiting_payment');
      expect(await historyOf(order.id)).toHaveLength(1);
      expect(await outboxOf(order.id)).toEqual([]);
    });

    it('emits order.status-changed after the commit, and nothing for a refused change', async () => {
      const events: OrderStatusChangedEvent[] = [];
      const listener = (e: OrderStatusChangedEvent) => events.push(e);
      const emitter = app.get(EventEmitter2);
      emitter.on(ORDER_EVENTS.statusChanged, listener);
      try {
        const buyer = await createUser(app);
        const order = await place(buyer);
        await new AdminPayments(app, admin).payInFull(order.id);
        await api(admin, 'PATCH', `/admin/orders/${order.id}/status`, { status: 'delivered' });
        const [row] = await db.query(
          `SELECT id FROM order_status_history WHERE order_id = $1 AND to_status = 'paid'`,
          [order.id],
        );
        expect(events.filter((e) => e.orderId === order.id)).toEqual([
          {
            orderId: order.id,
            historyId: row.id,
            from: 'awaiting_payment',
            to: 'paid',
            actorId: admin.id,
          },
        ]);
      } finally {
        emitter.off(ORDER_EVENTS.statusChanged, listener);
      }
    });
  });

  describe('cancellation', () => {
    it('lets the owner cancel an unpaid order: stock back, history and e-mail job written', async () => {
      const buyer = await createUser(app);
      const variantId = product.variants[0].id;
      const before = await stockOf(variantId);
      const order = await place(buyer, 'awaiting_payment', 4);
      expect(await stockOf(variantId)).toBe(before - 4);

      const res = await api(buyer, 'POST', `/orders/${order.id}/cancel`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'cancelled',
        history: [
          { from: null, to: 'awaiting_payment' },
          { from: 'awaiting_payment', to: 'cancelled', by: 'buyer' },
        ],
        payment: { status: 'cancelled', refunds: [] },
      });
      expect(await stockOf(variantId)).toBe(before);
      const movements = await db.query(
        `SELECT delta, reason, actor_id FROM stock_movements WHERE order_id = $1 ORDER BY id`,
        [order.id],
      );
      expect(movements).toEqual([
        { delta: -4, reason: 'order', actor_id: buyer.id },
        { delta: 4, reason: 'cancellation', actor_id: buyer.id },
      ]);
      expect((await historyOf(order.id))[1]).toEqual({
        from_status: 'awaiting_payment',
        to_status: 'cancelled',
        actor_id: buyer.id,
      });
      expect((await outboxOf(order.id)).map((j) => j.name)).toEqual(['order-status']);
    });

    it('refuses the owner once the order is paid (422); an admin may still cancel it', async () => {
      const buyer = await createUser(app);
      const order = await place(buyer, 'paid');
      const refused = await api(buyer, 'POST', `/orders/${order.id}/cancel`);
      expect(refused.statusCode).toBe(422);
      expect(refused.json()).toMatchObject({ from: 'paid', to: 'cancelled' });
      expect(await statusOf(order.id)).toBe('paid');
      expect(await outboxOf(order.id)).toEqual([]);

      const byAdmin = await api(admin, 'POST', `/orders/${order.id}/cancel`);
      expect(byAdmin.statusCode).toBe(200);
      expect(byAdmin.json().history.at(-1)).toMatchObject({ from: 'paid', by: 'staff' });
      // The money goes back: a refund of everything, carried out by the payments queue.
      expect(byAdmin.json().payment.refunds).toEqual([
        expect.objectContaining({
          amount: order.total,
          status: 'pending',
          reason: 'Order cancelled',
        }),
      ]);

      const shipped = await place(buyer, 'shipped');
      const late = await api(admin, 'POST', `/orders/${shipped.id}/cancel`);
      expect(late.statusCode).toBe(422);
      expect(late.json()).toMatchObject({ from: 'shipped', to: 'cancelled' });
    });

    it('answers 404 for another user’s order and changes nothing', async () => {
      const buyer = await createUser(app);
      const stranger = await createUser(app);
      const order = await place(buyer);
      expect((await api(stranger, 'POST', `/orders/${order.id}/cancel`)).statusCode).toBe(404);
      expect(await statusOf(order.id)).toBe('awaiting_payment');
    });

    it('restores stock exactly once under 10 parallel cancels', async () => {
      const own = await createProduct(app, shop, { variants: [{ price: 300, stock: 10 }] });
      const variantId = own.variants[0].id;
      const buyer = await createUser(app);
      const order = await place(buyer, 'awaiting_payment', 3, variantId);
      expect(await stockOf(variantId)).toBe(7);

      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          api(i % 2 ? admin : buyer, 'POST', `/orders/${order.id}/cancel`),
        ),
      );
      const codes = results.map((r) => r.statusCode).sort();
      expect(codes).toEqual([200, ...Array(9).fill(422)]);
      for (const r of results.filter((x) => x.statusCode === 422)) {
        expect(r.json()).toMatchObject({ from: 'cancelled', to: 'cancelled' });
      }

      expect(await stockOf(variantId)).toBe(10);
      const movements = await db.query(
        `SELECT delta, reason FROM stock_movements WHERE variant_id = $1 ORDER BY id`,
        [variantId],
      );
      expect(movements).toEqual([
        { delta: 10, reason: 'adjustment' },
        { delta: -3, reason: 'order' },
        { delta: 3, reason: 'cancellation' },
      ]);
      expect((await historyOf(order.id)).map((h) => h.to_status)).toEqual([
        'awaiting_payment',
        'cancelled',
      ]);
      expect(await outboxOf(order.id)).toHaveLength(1);
    });

    it('lets exactly one of a racing payment and buyer cancel win, stock matching the winner', async () => {
      const own = await createProduct(app, shop, { variants: [{ price: 300, stock: 50 }] });
      const variantId = own.variants[0].id;
      const buyer = await createUser(app);
      const orders = await Promise.all(
        Array.from({ length: 5 }, () => place(buyer, 'awaiting_payment', 2, variantId)),
      );
      const payments = new AdminPayments(app, admin);
      await Promise.all(
        orders.flatMap((o) => [
          payments.record(o.id, { amount: o.total, reference: 'RACE' }),
          api(buyer, 'POST', `/orders/${o.id}/cancel`),
        ]),
      );
      let cancelled = 0;
      for (const o of orders) {
        const steps = (await historyOf(o.id)).map((h) => h.to_status);
        expect([
          ['awaiting_payment', 'paid'],
          ['awaiting_payment', 'cancelled'],
        ]).toContainEqual(steps);
        const [payment] = await db.query(`SELECT status FROM payments WHERE order_id = $1`, [o.id]);
        // Money that arrived after the cancel is kept on record for an admin to pay back.
        expect(payment.status).toBe(steps[1] === 'paid' ? 'paid' : 'refund_required');
        if (steps[1] === 'cancelled') cancelled++;
      }
      expect(await stockOf(variantId)).toBe(50 - 2 * (orders.length - cancelled));
    });

    it('skips lines whose variant was deleted since', async () => {
      const two: Product = await createProduct(app, shop, {
        variants: [
          { price: 100, stock: 5 },
          { price: 200, stock: 5 },
        ],
      });
      const buyer = await createUser(app);
      const order = await insertOrder(app, {
        userId: buyer.id,
        lines: [
          { variantId: two.variants[0].id, quantity: 2 },
          { variantId: two.variants[1].id, quantity: 1 },
        ],
      });
      await db.query(`DELETE FROM product_variants WHERE id = $1`, [two.variants[0].id]);

      const res = await api(buyer, 'POST', `/orders/${order.id}/cancel`);
      expect(res.statusCode).toBe(200);
      expect(res.json().items.map((i: { variantId: string | null }) => i.variantId)).toEqual([
        null,
        two.variants[1].id,
      ]);
      expect(await stockOf(two.variants[1].id)).toBe(5);
    });
  });

  describe('account deletion', () => {
    it('keeps the orders with the buyer anonymised, in the same transaction', async () => {
      const buyer = await createUser(app);
      const bystander = await createUser(app);
      await api(buyer, 'PATCH', '/users/me', {
        address: { line1: '5 Private Lane', city: 'Hamburg', postalCode: '20095', country: 'DE' },
      });
      const order = await place(buyer);
      await db.query(`UPDATE orders SET note = 'ring twice, ask for Ada' WHERE id = $1`, [
        order.id,
      ]);
      const kept = await place(bystander);

      const res = await app.inject({
        method: 'DELETE',
        url: '/api/v1/users/me',
        headers: buyer.auth,
        payload: { password: buyer.password },
      });
      expect(res.statusCode).toBe(204);

      const [row] = await db.query(
        `SELECT buyer_name, buyer_email, shipping_address, note, status, total FROM orders WHERE id = $1`,
        [order.id],
      );
      expect(row).toEqual({
        buyer_name: 'Deleted user',
        buyer_email: `deleted-${buyer.id}@deleted.invalid`,
        shipping_address: { country: 'DE' },
        note: null,
        status: 'awaiting_payment',
        total: order.total,
      });
      const [untouched] = await db.query(
        `SELECT buyer_name, buyer_email FROM orders WHERE id = $1`,
        [kept.id],
      );
      expect(untouched).toEqual({ buyer_name: 'Test customer', buyer_email: bystander.email });
      const shown = await api(admin, 'GET', `/orders/${order.id}`);
      expect(shown.json().shippingAddress).toEqual({ country: 'DE' });
    });
  });
});
