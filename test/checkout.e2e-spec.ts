import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryRunner } from 'typeorm';
import { storeConfig, StoreConfig } from '../src/config';
import { jobMessages } from '../src/modules/queues/queue-names';
import { REDIS, Redis } from '../src/redis/redis.module';
import { Buyer, createBuyers } from './support/buyers';
import { createMerchant, createProduct } from './support/catalog';
import { untilWaitingForLock } from './support/lock-waits';
import { createTestApp } from './support/test-app';

const STORE: StoreConfig = {
  currency: 'EUR',
  taxRateBps: 1900,
  shippingFlat: 499,
  freeShippingOver: 5000,
  seller: { name: 'Test Seller', address: '1 Test Street', taxId: 'DE1' },
};
const ADDRESS = { line1: '1 Buyer Road', city: 'Berlin', postalCode: '10115', country: 'DE' };

describe('checkout', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let redis: Redis;
  let merchant: Awaited<ReturnType<typeof createMerchant>>;

  beforeAll(async () => {
    app = await createTestApp({ overrides: [[storeConfig.KEY, STORE]] });
    db = app.get(DataSource);
    redis = app.get<Redis>(REDIS);
    merchant = await createMerchant(app);
  });
  afterAll(() => app.close());

  const buyer = async (address: typeof ADDRESS | null = ADDRESS) =>
    (await createBuyers(app, 1, { address }))[0];
  const variant = async (price: number, stock: number, title = 'Checkout item') =>
    (await createProduct(app, merchant, { title, variants: [{ price, stock }] })).variants[0]
      .id as string;
  const fill = async (who: Buyer, lines: [string, number][]) => {
    for (const [variantId, quantity] of lines) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/cart/items',
        headers: who.auth,
        payload: { variantId, quantity },
      });
      expect(res.statusCode).toBe(200);
    }
  };
  const checkout = (who: Buyer, body: object = {}, key: string | null = randomUUID()) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/checkout',
      headers: { ...who.auth, ...(key === null ? {} : { 'idempotency-key': key }) },
      payload: body,
    });
  /**
   * Runs `body` while a transaction of the test's own (`holder`: its backend `pid`, its
   * transaction id `xid`) holds `item`'s row FOR NO KEY UPDATE, as a checkout taking its stock
   * would; rolled back and released afterwards if `body` did not.
   */
  const holdingVariant = async (
    item: string,
    body: (holder: QueryRunner, me: { pid: number; xid: number }) => Promise<void>,
  ) => {
    const holder = db.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      const [me] = (await holder.query(
        `SELECT pg_backend_pid() AS pid, pg_current_xact_id()::text::bigint % 4294967296 AS xid`,
      )) as { pid: number; xid: string }[];
      await holder.query(`SELECT 1 FROM product_variants WHERE id = $1 FOR NO KEY UPDATE`, [item]);
      await body(holder, { pid: me.pid, xid: Number(me.xid) });
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  };
  const stockOf = async (variantId: string): Promise<number> =>
    (await db.query(`SELECT stock FROM product_variants WHERE id = $1`, [variantId]))[0].stock;
  const ordersOf = async (userId: string): Promise<number> =>
    (await db.query(`SELECT count(*)::int AS n FROM orders WHERE user_id = $1`, [userId]))[0].n;
  const cartOf = (who: Buyer) => redis.hgetall(`cart:user:${who.id}`);
  const outboxFor = async (orderIds: string[]) =>
    db.query(
      `SELECT queue, name, job_id, payload FROM outbox WHERE payload->>'orderId' = ANY($1)`,
      [orderIds],
    );

  it('places the order awaiting payment: snapshot, integer totals, stock taken, history, the how-to-pay e-mail job and no invoice, cart emptied', async () => {
    const who = await buyer();
    const a = await variant(1234, 10, 'Snapshot A');
    const b = await variant(250, 5, 'Snapshot B');
    await fill(who, [
      [a, 2],
      [b, 3],
    ]);
    const res = await checkout(who, { note: '  leave at the door ' });
    expect(res.statusCode).toBe(201);
    const order = res.json();
    expect(res.headers.location).toBe(`/api/v1/orders/${order.id}`);
    // 2468 + 750 = 3218; tax 19 % = 611.42 → 611; shipping 499 under 5000
    expect(order).toMatchObject({
      number: expect.stringMatching(new RegExp(`^SO-${new Date().getUTCFullYear()}-\\d{6,}$`)),
      status: 'awaiting_payment',
      subtotal: 3218,
      tax: 611,
      taxRateBps: 1900,
      shipping: 499,
      total: 3218 + 611 + 499,
      currency: 'EUR',
      shippingAddress: ADDRESS,
      note: 'leave at the door',
      invoice: null,
      creditNotes: [],
      payment: {
        provider: 'manual',
        status: 'pending',
        amount: 3218 + 611 + 499,
        paidAmount: 0,
        refundedAmount: 0,
        currency: 'EUR',
        reference: order.number,
        bankAccount: expect.objectContaining({ iban: expect.any(String) }),
        refunds: [],
      },
    });
    // The manual window (PAYMENT_TIMEOUT_MANUAL, 7 days by default) from now.
    const due = new Date(order.paymentDueAt).getTime() - Date.now();
    expect(due).toBeGreaterThan(7 * 86400_000 - 600_000);
    expect(due).toBeLessThanOrEqual(7 * 86400_000);
    expect(order.payment.expiresAt).toBe(order.paymentDueAt);
    expect(order.items).toEqual([
      expect.objectContaining({
        variantId: a,
        title: 'Snapshot A',
        unitPrice: 1234,
        quantity: 2,
        lineTotal: 2468,
        shopId: merchant.shopId,
      }),
      expect.objectContaining({
        variantId: b,
        title: 'Snapshot B',
        unitPrice: 250,
        quantity: 3,
        lineTotal: 750,
      }),
    ]);
    expect(await stockOf(a)).toBe(8);
    expect(await stockOf(b)).toBe(2);
    const movements = await db.query(
      `SELECT variant_id, delta, reason, order_id, actor_id FROM stock_movements WHERE order_id = $1 ORDER BY delta`,
      [order.id],
    );
    expect(movements).toEqual([
      { variant_id: b, delta: -3, reason: 'order', order_id: order.id, actor_id: who.id },
      { variant_id: a, delta: -2, reason: 'order', order_id: order.id, actor_id: who.id },
    ]);
    expect(
      await db.query(
        `SELECT from_status, to_status, actor_id FROM order_status_history WHERE order_id = $1`,
        [order.id],
      ),
    ).toEqual([{ from_status: null, to_status: 'awaiting_payment', actor_id: who.id }]);
    const [snapshot] = await db.query(`SELECT buyer_name, buyer_email FROM orders WHERE id = $1`, [
      order.id,
    ]);
    expect(snapshot).toEqual({
      buyer_name: expect.stringMatching(/^Buyer /),
      buyer_email: who.email,
    });
    // The invoice (and its number) waits for the payment; the buyer is told how to pay.
    expect(await outboxFor([order.id])).toEqual([
      {
        queue: 'mail',
        name: 'payment-instructions',
        job_id: `mail.payment-instructions.${order.id}`,
        payload: { orderId: order.id },
      },
    ]);
    expect(await cartOf(who)).toEqual({});
    // A later price change does not touch the order.
    await db.query(`UPDATE product_variants SET price = 1 WHERE id = $1`, [a]);
    expect((await loadOrder(order.id)).items[0].unitPrice).toBe(1234);
  });

  const loadOrder = async (id: string) => {
    const { OrdersRepository } = await import('../src/modules/orders/orders.repository');
    return (await app.get(OrdersRepository).loadViews([id]))[0];
  };

  it('answers the placed order in the same bytes as the order list reads it back', async () => {
    const who = await buyer();
    const product = await createProduct(app, merchant, {
      title: 'Bytes item',
      variants: [
        { price: 700, stock: 5, options: { size: 'M', colour: 'red' } },
        { price: 300, stock: 5, options: { size: 'L', colour: 'blue' } },
      ],
    });
    await fill(who, [
      [product.variants[1].id, 2],
      [product.variants[0].id, 1],
    ]);
    const placed = await checkout(who, { note: 'bytes' });
    expect(placed.statusCode).toBe(201);
    const list = await app.inject({ method: 'GET', url: '/api/v1/orders', headers: who.auth });
    expect(list.statusCode).toBe(200);
    const [listed] = list.json().items;
    expect(listed.id).toBe(placed.json().id);
    expect(listed.items).toHaveLength(2);
    expect(JSON.stringify(listed)).toBe(placed.body);
  });

  it('ships free exactly at the threshold, charges shipping one minor unit below, rounds tax half up', async () => {
    const at = await buyer();
    await fill(at, [[await variant(5000, 5), 1]]);
    const atRes = (await checkout(at)).json();
    expect(atRes).toMatchObject({ subtotal: 5000, tax: 950, shipping: 0, total: 5950 });

    const below = await buyer();
    await fill(below, [[await variant(4999, 5), 1]]);
    // 4999 × 19 % = 949.81 → 950
    expect((await checkout(below)).json()).toMatchObject({
      subtotal: 4999,
      tax: 950,
      shipping: 499,
      total: 4999 + 950 + 499,
    });

    const half = await buyer();
    await fill(half, [[await variant(50, 5), 1]]);
    // 50 × 19 % = 9.5 → 10 (half up)
    expect((await checkout(half)).json()).toMatchObject({ subtotal: 50, tax: 10, total: 559 });
  });

  it('takes the address from the body first, then the account, and 422 without either', async () => {
    const v = await variant(100, 50);
    const saved = await buyer();
    await fill(saved, [[v, 1]]);
    expect((await checkout(saved)).json().shippingAddress).toEqual(ADDRESS);

    const given = { line1: 'Other 2', city: 'Paris', postalCode: '75001', country: 'FR' };
    const both = await buyer();
    await fill(both, [[v, 1]]);
    expect((await checkout(both, { shippingAddress: given })).json().shippingAddress).toEqual(
      given,
    );

    const none = await buyer(null);
    await fill(none, [[v, 1]]);
    const refused = await checkout(none);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().detail).toContain('shipping address');
    expect(await ordersOf(none.id)).toBe(0);
    expect(await cartOf(none)).toEqual({ [v]: '1' });
    expect((await checkout(none, { shippingAddress: given })).statusCode).toBe(201);
  });

  it('refuses malformed bodies and keys with 400, and an empty cart with 422, changing nothing', async () => {
    const who = await buyer();
    const v = await variant(100, 5);
    await fill(who, [[v, 1]]);
    const bad: object[] = [
      { unknown: 1 },
      { note: 'x'.repeat(501) },
      { note: 5 },
      { shippingAddress: { line1: 'x', city: 'y', postalCode: 'z', country: 'XX' } },
      { shippingAddress: { ...ADDRESS, extra: 1 } },
      { shippingAddress: 'here' },
    ];
    for (const body of bad) expect((await checkout(who, body)).statusCode).toBe(400);
    const missing = await checkout(who, {}, null);
    expect(missing.statusCode).toBe(400);
    expect(missing.json().detail).toContain('Idempotency-Key');
    for (const key of ['x'.repeat(256), 'bad\u0001key', ' padded']) {
      expect((await checkout(who, {}, key)).statusCode).toBe(400);
    }
    expect(await ordersOf(who.id)).toBe(0);
    expect(await stockOf(v)).toBe(5);
    expect(await cartOf(who)).toEqual({ [v]: '1' });

    const empty = await buyer();
    const res = await checkout(empty);
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toContain('empty');
  });

  it('refuses a cart holding a deleted or archived variant (409) and changes nothing', async () => {
    const who = await buyer();
    const ok = await variant(100, 5);
    const gone = await variant(200, 5);
    const archived = await variant(300, 5);
    await fill(who, [
      [ok, 1],
      [gone, 1],
      [archived, 1],
    ]);
    await db.query(`DELETE FROM product_variants WHERE id = $1`, [gone]);
    await db.query(`UPDATE product_variants SET archived = true WHERE id = $1`, [archived]);
    const key = randomUUID();
    const res = await checkout(who, {}, key);
    expect(res.statusCode).toBe(409);
    expect(res.json().unavailableLines).toEqual(
      expect.arrayContaining([
        { variantId: gone, reason: 'deleted' },
        { variantId: archived, reason: 'archived' },
      ]),
    );
    expect(res.json().unavailableLines).toHaveLength(2);
    expect(await ordersOf(who.id)).toBe(0);
    expect(await stockOf(ok)).toBe(5);
    expect(
      (
        await db.query(`SELECT count(*)::int AS n FROM stock_movements WHERE variant_id = $1`, [ok])
      )[0].n,
    ).toBe(1); // the initial stock only
    expect(Object.keys(await cartOf(who)).sort()).toEqual([ok, gone, archived].sort());
    // The key was not spent: after fixing the cart, the same key places the order.
    await app.inject({ method: 'DELETE', url: `/api/v1/cart/items/${gone}`, headers: who.auth });
    await app.inject({
      method: 'DELETE',
      url: `/api/v1/cart/items/${archived}`,
      headers: who.auth,
    });
    expect((await checkout(who, {}, key)).statusCode).toBe(201);
  });

  it('refuses a line short of stock (409 shortLines): no order, no stock moved, cart kept, no job', async () => {
    const who = await buyer();
    const plenty = await variant(100, 50);
    const scarce = await variant(100, 5);
    await fill(who, [
      [plenty, 2],
      [scarce, 4],
    ]);
    await db.query(`UPDATE product_variants SET stock = 3 WHERE id = $1`, [scarce]);
    const outboxBefore = (await db.query(`SELECT count(*)::int AS n FROM outbox`))[0].n;
    const res = await checkout(who);
    expect(res.statusCode).toBe(409);
    expect(res.json().shortLines).toEqual([{ variantId: scarce, requested: 4, available: 3 }]);
    expect(await ordersOf(who.id)).toBe(0);
    expect(await stockOf(plenty)).toBe(50);
    expect(await stockOf(scarce)).toBe(3);
    expect((await db.query(`SELECT count(*)::int AS n FROM outbox`))[0].n).toBe(outboxBefore);
    expect(
      (
        await db.query(`SELECT count(*)::int AS n FROM checkout_requests WHERE user_id = $1`, [
          who.id,
        ])
      )[0].n,
    ).toBe(0);
    expect(await cartOf(who)).toEqual({ [plenty]: '2', [scarce]: '4' });
  });

  it('writes the low-stock notice of a variant it takes to its threshold, committed with the order, and leaves no transaction open', async () => {
    const who = await buyer();
    const v = await variant(100, 7); // the default threshold is 5
    await fill(who, [[v, 3]]);
    const res = await checkout(who);
    expect(res.statusCode).toBe(201);
    expect(await stockOf(v)).toBe(4);
    const [movement] = await db.query(
      `SELECT id FROM stock_movements WHERE variant_id = $1 AND reason = 'order'`,
      [v],
    );
    const notice = jobMessages.lowStock(v, `movement-${movement.id}`, 4, 5);
    expect(
      await db.query(
        `SELECT queue, name, job_id, payload FROM outbox
          WHERE name = 'low-stock' AND payload->>'variantId' = $1`,
        [v],
      ),
    ).toEqual([
      { queue: notice.queue, name: notice.name, job_id: notice.jobId, payload: notice.payload },
    ]);
    // The COMMIT went with the stock statement: the connection is back in the pool, idle.
    const [{ open }] = await db.query(
      `SELECT count(*)::int AS open FROM pg_stat_activity
        WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    expect(open).toBe(0);
  });

  it('never oversells: 100 buyers race for 10 units, exactly 10 orders', async () => {
    const v = await variant(700, 10);
    const buyers = await createBuyers(app, 100, { address: ADDRESS });
    await Promise.all(buyers.map((b) => redis.hset(`cart:user:${b.id}`, v, '1')));
    const answers = await Promise.all(buyers.map((b) => checkout(b)));
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(10);
    expect(codes.filter((c) => c === 409)).toHaveLength(90);
    for (const a of answers.filter((x) => x.statusCode === 409)) {
      expect(a.json().shortLines).toEqual([{ variantId: v, requested: 1, available: 0 }]);
    }
    expect(await stockOf(v)).toBe(0);
    const [moved] = await db.query(
      `SELECT coalesce(sum(delta), 0)::int AS sum, count(*)::int AS n FROM stock_movements
        WHERE variant_id = $1 AND reason = 'order'`,
      [v],
    );
    expect(moved).toEqual({ sum: -10, n: 10 });
    const orders = await db.query(
      `SELECT count(DISTINCT o.id)::int AS n FROM orders o JOIN order_items i ON i.order_id = o.id
        WHERE i.variant_id = $1`,
      [v],
    );
    expect(orders[0].n).toBe(10);
    const placed = answers.filter((a) => a.statusCode === 201).map((a) => a.json().id);
    expect(await outboxFor(placed)).toHaveLength(10);
  });

  it('places concurrent checkouts of different carts each with its own lines, in title order, and its own number', async () => {
    // Read together (one statement for the checkouts of the moment): no line of one cart may
    // end up in another's order, and no two orders share a number.
    const items = [
      await variant(300, 50, 'Zebra mug'),
      await variant(200, 50, 'Alpaca mug'),
      await variant(100, 50, 'Mole mug'),
    ];
    const buyers = await createBuyers(app, 8, { address: ADDRESS });
    const carts = buyers.map((_, i) => [
      [items[i % 3], 1 + (i % 4)] as [string, number],
      [items[(i + 1) % 3], 2 + i] as [string, number],
    ]);
    await Promise.all(buyers.map((b, i) => fill(b, carts[i])));
    const answers = await Promise.all(buyers.map((b) => checkout(b)));
    expect(answers.map((a) => a.statusCode)).toEqual(buyers.map(() => 201));
    const titleOf = new Map([
      [items[0], 'Zebra mug'],
      [items[1], 'Alpaca mug'],
      [items[2], 'Mole mug'],
    ]);
    answers.forEach((answer, i) => {
      const placed = answer
        .json()
        .items.map((it: { variantId: string; quantity: number }) => [it.variantId, it.quantity]);
      const expected = [...carts[i]].sort((a, b) =>
        titleOf.get(a[0])!.localeCompare(titleOf.get(b[0])!),
      );
      expect(placed).toEqual(expected);
    });
    const numbers = new Set(answers.map((a) => a.json().number));
    expect(numbers.size).toBe(buyers.length);
  });

  it('keys orders, their lines and their payments by time-ordered UUIDs (version 7)', async () => {
    // Random keys (version 4) put every insert on a random page of each index keyed by them.
    const item = await variant(500, 50, 'Ordered mug');
    const orders: { id: string; createdAt: string }[] = [];
    for (const who of await createBuyers(app, 3, { address: ADDRESS })) {
      await fill(who, [[item, 1]]);
      const res = await checkout(who);
      expect(res.statusCode).toBe(201);
      orders.push(res.json());
    }
    const v7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    // The first 48 bits are the Unix time in milliseconds: the key sorts as the orders came.
    const millisOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    for (const order of orders) {
      expect(order.id).toMatch(v7);
      expect(Math.abs(millisOf(order.id) - Date.parse(order.createdAt))).toBeLessThan(5_000);
    }
    const ids = orders.map((o) => o.id);
    expect([...ids].sort()).toEqual(ids);
    const keys = await db.query<{ line: string; payment: string }[]>(
      `SELECT i.id AS line, p.id AS payment
         FROM order_items i JOIN payments p ON p.order_id = i.order_id
        WHERE i.order_id = ANY($1::uuid[])`,
      [ids],
    );
    expect(keys).toHaveLength(orders.length);
    for (const { line, payment } of keys) {
      expect(line).toMatch(v7);
      expect(payment).toMatch(v7);
    }
  });

  // PostgreSQL ends a deadlock by failing one of its transactions (40P01); when that is a
  // checkout's, the checkout runs again instead of answering 500. The test's own transaction
  // makes the cycle: it holds the variant the checkout must take stock of, then inserts the
  // Idempotency-Key the checkout has just claimed. The checkout waited first, so its deadlock
  // check (after deadlock_timeout, 1 s) finds the cycle and fails it.
  it('runs a checkout again when PostgreSQL fails it as a deadlock victim: one order, 201', async () => {
    const who = await buyer();
    const item = await variant(500, 5, 'Deadlock item');
    await fill(who, [[item, 1]]);
    const key = randomUUID();
    await holdingVariant(item, async (holder, { pid }) => {
      const answer = checkout(who, {}, key);
      // The checkout has claimed the key and waits for the variant.
      await untilWaitingForLock(db, { otherThan: pid });
      const inserted = await holder
        .query(
          `INSERT INTO checkout_requests (user_id, key, request_hash, expires_at)
           VALUES ($1, $2, 'test', now() + interval '1 hour')`,
          [who.id, key],
        )
        .then(
          () => null,
          (error: Error) => error,
        );
      // Had the test's transaction been the victim, this would be its error.
      expect(inserted).toBeNull();
      await holder.rollbackTransaction();

      const res = await answer;
      expect(res.statusCode).toBe(201);
      expect(await ordersOf(who.id)).toBe(1);
      expect(await stockOf(item)).toBe(4);
    });
  });

  // A checkout queued on a popular variant must not lock its row before its turn: its order
  // lines' reference to the variant is checked at COMMIT, when it holds the row anyway. Checked
  // at the INSERT, each queued checkout added a KEY SHARE lock to the row (the row's xmax then
  // names a multixact of all of them, which every stock UPDATE of the row copied).
  it('takes no lock on a variant row before its stock change: the row shows only its holder while a checkout waits', async () => {
    const who = await buyer();
    const item = await variant(500, 5, 'Queued item');
    await fill(who, [[item, 1]]);
    await holdingVariant(item, async (holder, { pid, xid }) => {
      const answer = checkout(who);
      // The checkout has written its order and waits for the variant.
      await untilWaitingForLock(db, { otherThan: pid });
      const [row] = await db.query(
        `SELECT xmax::text::bigint AS xmax FROM product_variants WHERE id = $1`,
        [item],
      );
      expect(Number(row.xmax)).toBe(xid);
      await holder.rollbackTransaction();
      expect((await answer).statusCode).toBe(201);
      expect(await stockOf(item)).toBe(4);
    });
  });

  it('still never commits an order line naming a variant that does not exist', async () => {
    const who = await buyer();
    const item = await variant(500, 5, 'Line item');
    await fill(who, [[item, 1]]);
    const placed = await checkout(who);
    expect(placed.statusCode).toBe(201);
    const orderId = placed.json().id as string;
    const addLine = (tx: { query: DataSource['query'] }) =>
      tx.query(
        `INSERT INTO order_items (order_id, position, variant_id, product_id, shop_id, sku, title,
                                  options, unit_price, quantity, line_total)
         SELECT order_id, position + 1, $2, product_id, shop_id, sku, title, options, unit_price,
                quantity, line_total
           FROM order_items WHERE order_id = $1`,
        [orderId, randomUUID()],
      );
    let inserted = false;
    const failure = await db
      .transaction(async (tx) => {
        await addLine(tx);
        inserted = true; // accepted here: the reference is checked at COMMIT
      })
      .then(
        () => null,
        (error: { code?: string }) => error.code,
      );
    expect(inserted).toBe(true);
    expect(failure).toBe('23503'); // foreign_key_violation, at COMMIT
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM order_items WHERE order_id = $1`,
      [orderId],
    );
    expect(n).toBe(1);
  });

  it('places one order for 20 concurrent checkouts with one key, every answer the same order', async () => {
    const who = await buyer();
    const v = await variant(300, 100);
    await fill(who, [[v, 2]]);
    const key = `retry-${randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => checkout(who, { note: 'n' }, key)),
    );
    const codes = answers.map((a) => a.statusCode).sort();
    expect(codes).toEqual([...Array(19).fill(200), 201]);
    const ids = new Set(answers.map((a) => a.json().id));
    expect(ids.size).toBe(1);
    for (const a of answers) {
      expect(a.headers['idempotent-replayed']).toBe(a.statusCode === 200 ? 'true' : undefined);
    }
    expect(answers.find((a) => a.statusCode === 200)!.json()).toEqual(
      answers.find((a) => a.statusCode === 201)!.json(),
    );
    expect(await ordersOf(who.id)).toBe(1);
    expect(await stockOf(v)).toBe(98);
    const [orderId] = [...ids];
    expect(await outboxFor([orderId])).toHaveLength(1);

    // Later, with an empty cart: still the same order; another body → 409.
    const later = await checkout(who, { note: 'n' }, key);
    expect(later.statusCode).toBe(200);
    expect(later.json().id).toBe(orderId);
    const other = await checkout(who, { note: 'something else' }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().detail).toContain('different request');
    await fill(who, [[v, 1]]);
    expect((await checkout(who, { note: 'other' }, key)).statusCode).toBe(409);
    expect(await ordersOf(who.id)).toBe(1);
    expect(await cartOf(who)).toEqual({ [v]: '1' });
  });

  it('scopes keys per user and lets an expired key place a new order', async () => {
    const v = await variant(100, 100);
    const [one, two] = await createBuyers(app, 2, { address: ADDRESS });
    const key = 'shared-key';
    await fill(one, [[v, 1]]);
    await fill(two, [[v, 1]]);
    const first = await checkout(one, {}, key);
    const second = await checkout(two, {}, key);
    expect([first.statusCode, second.statusCode]).toEqual([201, 201]);
    expect(first.json().id).not.toBe(second.json().id);

    await db.query(
      `UPDATE checkout_requests SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [one.id],
    );
    await fill(one, [[v, 1]]);
    const again = await checkout(one, {}, key);
    expect(again.statusCode).toBe(201);
    expect(again.json().id).not.toBe(first.json().id);
    expect(await ordersOf(one.id)).toBe(2);
  });

  it('takes over a key whose holder it waited for committed it already expired', async () => {
    // The claim waits on the holder's row, then fails on the committed key; the key has no
    // live order to replay, so the claim is made again and takes the expired key over.
    const v = await variant(100, 10);
    const who = await buyer();
    const key = randomUUID();
    await fill(who, [[v, 1]]);
    const holder = db.createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query(
        `INSERT INTO checkout_requests (user_id, key, request_hash, expires_at)
         VALUES ($1, $2, repeat('0', 64), now() - interval '1 second')`,
        [who.id, key],
      );
      const answer = checkout(who, {}, key);
      let waited = false;
      for (let i = 0; i < 200 && !waited; i++) {
        const [waiting] = await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO checkout_requests%'`,
        );
        waited = waiting.n > 0;
        if (!waited) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(waited).toBe(true);
      await holder.commitTransaction();
      const placed = await answer;
      expect(placed.statusCode).toBe(201);
      const [request] = await db.query(
        `SELECT order_id, expires_at > now() AS live FROM checkout_requests
          WHERE user_id = $1 AND key = $2`,
        [who.id, key],
      );
      expect(request).toEqual({ order_id: placed.json().id, live: true });
      expect(await ordersOf(who.id)).toBe(1);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('prunes expired idempotency keys in batches and keeps the live ones', async () => {
    const [who] = await createBuyers(app, 1, { address: ADDRESS });
    await db.query(
      `INSERT INTO checkout_requests (user_id, key, request_hash, expires_at)
       SELECT $1::uuid, 'old-' || i, repeat('0', 64), now() - interval '1 minute'
         FROM generate_series(1, 5) AS i
       UNION ALL SELECT $1::uuid, 'live', repeat('0', 64), now() + interval '1 hour'`,
      [who.id],
    );
    const { CheckoutService } = await import('../src/modules/checkout/checkout.service');
    const service = app.get(CheckoutService);
    const keysOf = async () =>
      (
        await db.query(`SELECT key FROM checkout_requests WHERE user_id = $1 ORDER BY key`, [
          who.id,
        ])
      ).map((r: { key: string }) => r.key);
    // Other suites' expired keys may be in the table too: prune until none is left.
    expect(await service.pruneExpiredKeys(3)).toBe(3);
    while ((await service.pruneExpiredKeys(3)) > 0);
    expect(await keysOf()).toEqual(['live']);
  });

  it('keeps what was added to the cart after the checkout read it', async () => {
    const who = await buyer();
    const v = await variant(100, 100);
    await fill(who, [[v, 2]]);
    expect((await checkout(who)).statusCode).toBe(201);
    expect(await cartOf(who)).toEqual({});
    // Simulates a concurrent add racing the checkout: only the ordered units leave.
    await fill(who, [[v, 3]]);
    const { CartService } = await import('../src/modules/cart/cart.service');
    await app.get(CartService).takeOrdered(who.id, [{ variantId: v, quantity: 2 }]);
    expect(await cartOf(who)).toEqual({ [v]: '1' });
  });
});
