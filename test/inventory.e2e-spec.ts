import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { InventoryService } from '../src/modules/inventory/inventory.service';
import { InsufficientStockError } from '../src/modules/inventory/insufficient-stock.error';
import { createMerchant, createProduct } from './support/catalog';
import { untilWaitingForLock } from './support/lock-waits';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

describe('inventory', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let merchant: Awaited<ReturnType<typeof createMerchant>>;
  let admin: TestUser;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    merchant = await createMerchant(app);
    admin = await createUser(app, 'admin');
  });
  afterAll(() => app.close());

  const adjust = (user: { auth: Record<string, string> }, variantId: string, delta: number) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/inventory/adjustments',
      headers: user.auth,
      payload: { variantId, delta, reason: 'adjustment', note: 'count' },
    });
  const stockOf = async (variantId: string): Promise<number> =>
    (await db.query(`SELECT stock FROM product_variants WHERE id = $1`, [variantId]))[0].stock;
  const movements = async (variantId: string) =>
    (
      await db.query(`SELECT count(*)::int AS n FROM stock_movements WHERE variant_id = $1`, [
        variantId,
      ])
    )[0].n as number;

  it('adjusts stock and writes a movement with actor, delta and resulting level', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 100, stock: 10 }] });
    const variantId = product.variants[0].id;
    const res = await adjust(merchant, variantId, -3);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ variantId, stock: 7 });
    const [last] = await db.query(
      `SELECT delta, reason, actor_id, resulting_stock, note FROM stock_movements
        WHERE variant_id = $1 ORDER BY id DESC LIMIT 1`,
      [variantId],
    );
    expect(last).toEqual({
      delta: -3,
      reason: 'adjustment',
      actor_id: merchant.id,
      resulting_stock: 7,
      note: 'count',
    });
    expect((await adjust(admin, variantId, 2)).json()).toEqual({ variantId, stock: 9 });
  });

  it('refuses an adjustment below zero with 409 and changes nothing', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 100, stock: 2 }] });
    const variantId = product.variants[0].id;
    const before = await movements(variantId);
    const res = await adjust(merchant, variantId, -3);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      type: '/problems/insufficient-stock',
      shortLines: [{ variantId, requested: 3, available: 2 }],
    });
    expect(await stockOf(variantId)).toBe(2);
    expect(await movements(variantId)).toBe(before);
  });

  it('refuses malformed adjustments with 400', async () => {
    const product = await createProduct(app, merchant);
    const variantId = product.variants[0].id;
    for (const payload of [
      { variantId, delta: 0, reason: 'adjustment' },
      { variantId, delta: 1.5, reason: 'adjustment' },
      { variantId, delta: 1, reason: 'order' },
      { variantId: 'nope', delta: 1, reason: 'adjustment' },
      { variantId, delta: 1, reason: 'adjustment', stock: 5 },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/inventory/adjustments',
        headers: merchant.auth,
        payload,
      });
      expect(res.statusCode).toBe(400);
    }
    expect(await stockOf(variantId)).toBe(10);
  });

  it('keeps the exact sum under 50 concurrent adjustments', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 100, stock: 30 }] });
    const variantId = product.variants[0].id;
    const deltas = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? 3 : -2));
    const results = await Promise.all(deltas.map((d) => adjust(merchant, variantId, d)));
    expect(results.map((r) => r.statusCode)).toEqual(deltas.map(() => 201));
    expect(await stockOf(variantId)).toBe(30 + deltas.reduce((a, b) => a + b, 0));
    expect(await movements(variantId)).toBe(51);
  });

  it('never oversells under concurrency: 20 takers of 1 from a stock of 5', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 100, stock: 5 }] });
    const variantId = product.variants[0].id;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => adjust(merchant, variantId, -1)),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(5);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(15);
    expect(await stockOf(variantId)).toBe(0);
  });

  it('refuses a whole list when one line is short, inside the caller’s transaction', async () => {
    const product = await createProduct(app, merchant, {
      variants: [
        { price: 100, stock: 5 },
        { price: 100, stock: 1 },
      ],
    });
    const [a, b] = product.variants.map((v: { id: string }) => v.id);
    const inventory = app.get(InventoryService);
    const attempt = db.transaction((m) =>
      inventory.apply(m, [
        { variantId: a, delta: -2, reason: 'order', actorId: null },
        { variantId: b, delta: -3, reason: 'order', actorId: null },
      ]),
    );
    await expect(attempt).rejects.toBeInstanceOf(InsufficientStockError);
    await expect(attempt).rejects.toMatchObject({
      shortLines: [{ variantId: b, requested: 3, available: 1 }],
    });
    expect([await stockOf(a), await stockOf(b)]).toEqual([5, 1]);
  });

  it('applies several lines in one call, the same variant twice included, one movement per line', async () => {
    const product = await createProduct(app, merchant, {
      variants: [
        { price: 100, stock: 10 },
        { price: 100, stock: 4 },
      ],
    });
    const [a, b] = product.variants.map((v: { id: string }) => v.id);
    const orderId = '00000000-0000-4000-8000-000000000001';
    const levels = await db.transaction((m) =>
      app.get(InventoryService).apply(m, [
        { variantId: a, delta: -3, reason: 'order', actorId: merchant.id, orderId },
        { variantId: b, delta: -4, reason: 'order', actorId: merchant.id, orderId },
        { variantId: a, delta: 5, reason: 'return', actorId: null, note: 'back' },
      ]),
    );
    expect(new Map(levels.map((l) => [l.variantId, l.stock]))).toEqual(
      new Map([
        [a, 12],
        [b, 0],
      ]),
    );
    expect([await stockOf(a), await stockOf(b)]).toEqual([12, 0]);
    const rows = await db.query(
      `SELECT variant_id, delta, reason, actor_id, order_id, note, resulting_stock
         FROM stock_movements WHERE variant_id = ANY($1) AND reason <> 'adjustment' ORDER BY id`,
      [[a, b]],
    );
    const expected = [
      {
        variant_id: a,
        delta: -3,
        reason: 'order',
        actor_id: merchant.id,
        order_id: orderId,
        note: null,
        resulting_stock: 7,
      },
      {
        variant_id: a,
        delta: 5,
        reason: 'return',
        actor_id: null,
        order_id: null,
        note: 'back',
        resulting_stock: 12,
      },
      {
        variant_id: b,
        delta: -4,
        reason: 'order',
        actor_id: merchant.id,
        order_id: orderId,
        note: null,
        resulting_stock: 0,
      },
    ];
    // Lines are applied in variant id order, each variant's lines in the order given.
    expect(rows).toEqual(a < b ? expected : [expected[2], expected[0], expected[1]]);
  });

  /** The low-stock notices written for a variant (outbox rows), oldest first. */
  const notices = async (variantId: string, runner: Pick<DataSource, 'query'> = db) =>
    runner.query(
      `SELECT job_id, payload FROM outbox
        WHERE queue = 'mail' AND name = 'low-stock' AND payload->>'variantId' = $1 ORDER BY id`,
      [variantId],
    );

  it('writes a low-stock notice once when the threshold is crossed, with the crossing movement', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 100, stock: 8 }] });
    const variantId = product.variants[0].id;
    await adjust(merchant, variantId, -2); // 6: still above 5
    expect(await notices(variantId)).toEqual([]);
    await adjust(merchant, variantId, -2); // 4: crossed
    const [crossing] = await db.query(
      `SELECT id FROM stock_movements WHERE variant_id = $1 ORDER BY id DESC LIMIT 1`,
      [variantId],
    );
    expect(await notices(variantId)).toEqual([
      {
        job_id: `mail.low-stock.movement-${crossing.id}`,
        payload: { variantId, stock: 4, threshold: 5 },
      },
    ]);
    await adjust(merchant, variantId, -1); // 3: already below, no new notice
    expect(await notices(variantId)).toHaveLength(1);
  });

  it('writes the notice in the stock change’s transaction: it commits and rolls back with it', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 100, stock: 13 }] });
    const variantId = product.variants[0].id;
    const inventory = app.get(InventoryService);

    // Rolled back after the crossing: neither the stock change nor its notice remains.
    await expect(
      db.transaction(async (m) => {
        await inventory.apply(m, [{ variantId, delta: -10, reason: 'order', actorId: null }]);
        // Inside the transaction the notice is already there, beside the stock change.
        expect(await notices(variantId, m)).toHaveLength(1);
        throw new Error('checkout failed later');
      }),
    ).rejects.toThrow('checkout failed later');
    expect(await notices(variantId)).toEqual([]);
    expect(await stockOf(variantId)).toBe(13);
    expect(await movements(variantId)).toBe(1); // the initial stock only

    // Committed: both are there, and nothing else was needed to write the notice.
    await db.transaction((m) =>
      inventory.apply(m, [{ variantId, delta: -10, reason: 'order', actorId: null }]),
    );
    expect(await stockOf(variantId)).toBe(3);
    expect(await notices(variantId)).toEqual([
      expect.objectContaining({ payload: { variantId, stock: 3, threshold: 5 } }),
    ]);
  });

  // Three transactions queued on one variant, as checkouts of one popular item are. Each must
  // get its turn once the one before commits; none may be failed as a deadlock's victim.
  // PostgreSQL's deadlock detector steps in after deadlock_timeout (1 s by default).
  it('serves changes queued on one variant in turn, without a deadlock', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 100, stock: 10 }] });
    const variantId = product.variants[0].id;
    const inventory = app.get(InventoryService);
    const runners = [0, 1, 2].map(() => db.createQueryRunner());
    // As a checkout does: its order lines' foreign key to the variant takes a KEY SHARE lock on
    // it (which waits for no one) before its stock change.
    const take = (i: number) =>
      runners[i]
        .query(`SELECT 1 FROM product_variants WHERE id = $1 FOR KEY SHARE`, [variantId])
        .then(() =>
          inventory.apply(runners[i].manager, [
            { variantId, delta: -1, reason: 'adjustment', actorId: merchant.id },
          ]),
        )
        .then(
          () => null,
          (error: Error) => error,
        );
    try {
      const pids: number[] = [];
      for (const runner of runners) {
        await runner.connect();
        await runner.startTransaction();
        pids.push((await runner.query(`SELECT pg_backend_pid() AS pid`))[0].pid as number);
      }
      expect(await take(0)).toBeNull();
      const second = take(1);
      await untilWaitingForLock(db, { pid: pids[1] });
      const third = take(2);
      await untilWaitingForLock(db, { pid: pids[2] });
      await runners[0].commitTransaction();
      // PostgreSQL does not promise the waiters their arrival order: whichever gets the variant
      // first finishes, and the other gets it once that one commits.
      const queued = [
        second.then((error) => ({ error, runner: runners[1] })),
        third.then((error) => ({ error, runner: runners[2] })),
      ];
      const first = await Promise.race(queued);
      expect(first.error).toBeNull();
      await first.runner.commitTransaction();
      for (const { error, runner } of await Promise.all(queued)) {
        expect(error).toBeNull();
        if (runner.isTransactionActive) await runner.commitTransaction();
      }
      expect(await stockOf(variantId)).toBe(7);
    } finally {
      for (const runner of runners) {
        if (runner.isTransactionActive) await runner.rollbackTransaction();
        await runner.release();
      }
    }
  });
});
