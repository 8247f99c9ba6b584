import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { cartConfig, CartConfig } from '../src/config';
import { REDIS, Redis } from '../src/redis/redis.module';
import { createMerchant, createProduct } from './support/catalog';
import { createTestApp } from './support/test-app';
import { createAppBehindRedisProxy } from './support/redis-proxy';
import type { TcpProxy } from './support/tcp-proxy';
import { createUser, TestUser, uniqueEmail } from './support/users';
import { createBuyers } from './support/buyers';

const ADDRESS = { line1: '1 Test Street', city: 'Lyon', postalCode: '69001', country: 'FR' };

/** An empty cart's answer (but its id): nothing to buy, nothing ships. */
const EMPTY_CART = { items: [], subtotal: 0, tax: 0, shipping: 0, total: 0, currency: 'EUR' };

const CAPS: CartConfig = { ttlSeconds: 3600, maxLineQuantity: 5, maxLines: 3 };

describe('cart', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let redis: Redis;
  let merchant: Awaited<ReturnType<typeof createMerchant>>;
  /** Four published variants, price 1000 + i, stock 10. */
  let variants: string[];

  beforeAll(async () => {
    app = await createTestApp({ overrides: [[cartConfig.KEY, CAPS]] });
    db = app.get(DataSource);
    redis = app.get<Redis>(REDIS);
    merchant = await createMerchant(app);
    variants = [];
    for (let i = 0; i < 4; i++) {
      const p = await createProduct(app, merchant, {
        title: `Cart item ${i}`,
        variants: [{ price: 1000 + i, stock: 10 }],
      });
      variants.push(p.variants[0].id);
    }
  });
  afterAll(() => app.close());

  type Who = { cartId?: string; user?: { auth: { authorization: string } } };
  const headers = (who: Who) => ({
    ...(who.cartId !== undefined ? { 'x-cart-id': who.cartId } : {}),
    ...(who.user?.auth ?? {}),
  });
  const add = (who: Who, variantId: string, quantity: number) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/cart/items',
      headers: headers(who),
      payload: { variantId, quantity },
    });
  const getCart = (who: Who) =>
    app.inject({ method: 'GET', url: '/api/v1/cart', headers: headers(who) });
  const quantities = (body: { items: { variantId: string; quantity: number }[] }) =>
    Object.fromEntries(body.items.map((i) => [i.variantId, i.quantity]));
  const newGuestCart = async (lines: [string, number][]): Promise<string> => {
    const first = await add({}, lines[0][0], lines[0][1]);
    expect(first.statusCode).toBe(200);
    const cartId = first.headers['x-cart-id'] as string;
    for (const [variantId, quantity] of lines.slice(1)) {
      expect((await add({ cartId }, variantId, quantity)).statusCode).toBe(200);
    }
    return cartId;
  };

  it('prices a cart in one database statement, whatever its number of lines', async () => {
    const one = await newGuestCart([[variants[0], 1]]);
    const three = await newGuestCart([
      [variants[0], 1],
      [variants[1], 2],
      [variants[2], 1],
    ]);
    // Every statement, from TypeORM or the pool, goes through a pg Client.
    const spy = jest.spyOn(Client.prototype, 'query');
    const counts: number[] = [];
    try {
      for (const cartId of [one, three]) {
        spy.mockClear();
        const res = await getCart({ cartId });
        expect(res.statusCode).toBe(200);
        counts.push(spy.mock.calls.length);
      }
    } finally {
      spy.mockRestore();
    }
    expect(counts).toEqual([1, 1]);
  });

  it('prices the carts of concurrent requests in shared statements, each cart its own lines in title order', async () => {
    // Twelve carts, each of three of the four variants, added in a different order.
    const carts: string[] = [];
    for (let k = 0; k < 12; k++) {
      const picked = [0, 1, 2, 3].filter((i) => i !== k % 4).map((i) => variants[i]);
      if (k % 2) picked.reverse();
      carts.push(await newGuestCart(picked.map((v, i) => [v, 1 + ((k + i) % 3)])));
    }
    const alone: unknown[] = [];
    for (const cartId of carts) alone.push((await getCart({ cartId })).json());
    const spy = jest.spyOn(Client.prototype, 'query');
    let answers;
    let statements: number;
    try {
      answers = await Promise.all(carts.map((cartId) => getCart({ cartId })));
      statements = spy.mock.calls.length;
    } finally {
      spy.mockRestore();
    }
    answers.forEach((res, k) => {
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(alone[k]);
      // Titled "Cart item 0" to "Cart item 3": lines in title order, whatever the adding order.
      const listed = res
        .json()
        .items.map((i: { variantId: string }) => variants.indexOf(i.variantId));
      expect(listed).toEqual([0, 1, 2, 3].filter((i) => i !== k % 4));
    });
    // One statement per cart would be 12: the first goes alone, the others after it.
    expect(statements).toBeGreaterThan(0);
    expect(statements).toBeLessThanOrEqual(4);
  });

  it('starts a guest cart with one database statement and one Redis round trip, answering as a read would', async () => {
    const short = await createProduct(app, merchant, {
      title: 'Cart item short',
      variants: [{ price: 700, stock: 2 }],
    });
    const shortId: string = short.variants[0].id;
    await add({}, variants[3], 1); // the cart script is loaded into Redis once
    const statements = jest.spyOn(Client.prototype, 'query');
    const commands = jest.spyOn(redis, 'sendCommand');
    const counted: [number, number][] = [];
    const answers = [];
    try {
      for (const [variantId, quantity] of [
        [variants[0], 2],
        [shortId, 3],
      ] as const) {
        statements.mockClear();
        commands.mockClear();
        const res = await add({}, variantId, quantity);
        expect(res.statusCode).toBe(200);
        const onCarts = commands.mock.calls.filter(([command]) =>
          command.args.some((arg) => String(arg).includes('cart:')),
        );
        counted.push([statements.mock.calls.length, onCarts.length]);
        answers.push(res);
      }
    } finally {
      statements.mockRestore();
      commands.mockRestore();
    }
    expect(counted).toEqual([
      [1, 1],
      [1, 1],
    ]);
    for (const res of answers) {
      const cartId = res.headers['x-cart-id'] as string;
      expect(res.json()).toEqual((await getCart({ cartId })).json());
    }
    expect(answers[1].json().items[0]).toMatchObject({ quantity: 3, available: false });
  });

  it('gives a guest an unguessable cart id on the first add, in the header and the body', async () => {
    const res = await add({}, variants[0], 2);
    expect(res.statusCode).toBe(200);
    const cartId = res.headers['x-cart-id'] as string;
    expect(cartId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(res.json()).toEqual({
      id: cartId,
      items: [
        {
          variantId: variants[0],
          productId: expect.any(String),
          title: 'Cart item 0',
          sku: expect.any(String),
          options: {},
          unitPrice: 1000,
          quantity: 2,
          lineTotal: 2000,
          available: true,
        },
      ],
      subtotal: 2000,
      tax: 400,
      shipping: 499,
      total: 2899,
      currency: 'EUR',
    });
    // Adding again with the id adds up; the id is kept.
    const again = await add({ cartId }, variants[0], 1);
    expect(again.json()).toMatchObject({ id: cartId, subtotal: 3000 });
    expect(again.json().items[0].quantity).toBe(3);
    const ttl = await redis.ttl(`cart:guest:${cartId}`);
    expect(ttl).toBeGreaterThan(3500);
    expect(ttl).toBeLessThanOrEqual(3600);
  });

  it('shows each line’s options and the estimate checkout then charges', async () => {
    const tent = await createProduct(app, merchant, {
      title: 'Summit tent',
      variants: [
        { price: 1999, stock: 10, options: { size: 'M', colour: 'green' } },
        { price: 2499, stock: 10, options: { size: 'L', colour: 'green' } },
      ],
    });
    const [m, l] = tent.variants as { id: string; options: Record<string, string> }[];
    const [buyer] = await createBuyers(app, 1, { address: ADDRESS });
    const who = { user: { auth: buyer.auth } };
    expect((await add(who, m.id, 1)).statusCode).toBe(200);
    const res = await add(who, l.id, 1);
    const lines = res.json().items as { variantId: string; options: Record<string, string> }[];
    // The options as the catalog shows them.
    expect(Object.fromEntries(lines.map((i) => [i.variantId, i.options]))).toEqual({
      [m.id]: m.options,
      [l.id]: l.options,
    });
    expect(m.options).toEqual({ size: 'M', colour: 'green' });
    // 4498 is under the free-shipping threshold (5000): 20 % tax, flat shipping.
    const estimate = { subtotal: 4498, tax: 900, shipping: 499, total: 5897, currency: 'EUR' };
    expect(res.json()).toMatchObject(estimate);
    expect((await getCart(who)).json()).toMatchObject(estimate);

    const order = await app.inject({
      method: 'POST',
      url: '/api/v1/checkout',
      headers: { ...buyer.auth, 'idempotency-key': randomUUID() },
      payload: {},
    });
    expect(order.statusCode).toBe(201);
    expect(order.json()).toMatchObject(estimate);
  });

  it('leaves the estimate out (null) when the cart is above what one order can hold', async () => {
    const dear = await createProduct(app, merchant, { variants: [{ price: 1000, stock: 10 }] });
    const variantId = dear.variants[0].id;
    const cartId = await newGuestCart([[variantId, 3]]);
    // Above the largest accepted price: a price set in the database by hand.
    await db.query(`UPDATE product_variants SET price = 1000000000 WHERE id = $1`, [variantId]);
    const res = await getCart({ cartId });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ subtotal: 3_000_000_000, tax: null, shipping: null });
    expect(res.json().total).toBeNull();
  });

  it('stores no prices in Redis: a price change shows at the next read', async () => {
    const product = await createProduct(app, merchant, { variants: [{ price: 500, stock: 5 }] });
    const variantId = product.variants[0].id;
    const cartId = await newGuestCart([[variantId, 2]]);
    expect(await redis.hgetall(`cart:guest:${cartId}`)).toEqual({ [variantId]: '2' });
    await db.query(`UPDATE product_variants SET price = 700 WHERE id = $1`, [variantId]);
    const res = await getCart({ cartId });
    expect(res.json().items[0]).toMatchObject({ unitPrice: 700, lineTotal: 1400 });
    expect(res.json().subtotal).toBe(1400);
  });

  it('sets a quantity with PATCH, removes with 0 and with DELETE, empties with DELETE /cart', async () => {
    const cartId = await newGuestCart([
      [variants[0], 1],
      [variants[1], 1],
    ]);
    const patch = (variantId: string, quantity: number) =>
      app.inject({
        method: 'PATCH',
        url: `/api/v1/cart/items/${variantId}`,
        headers: { 'x-cart-id': cartId },
        payload: { quantity },
      });
    let res = await patch(variants[0], 4);
    expect(res.statusCode).toBe(200);
    expect(quantities(res.json())).toEqual({ [variants[0]]: 4, [variants[1]]: 1 });
    res = await patch(variants[0], 0);
    expect(quantities(res.json())).toEqual({ [variants[1]]: 1 });
    // PATCH of a line that is not in the cart
    res = await patch(variants[2], 2);
    expect(res.statusCode).toBe(404);
    expect(quantities((await getCart({ cartId })).json())).toEqual({ [variants[1]]: 1 });
    res = await app.inject({
      method: 'DELETE',
      url: `/api/v1/cart/items/${variants[1]}`,
      headers: { 'x-cart-id': cartId },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().items).toEqual([]);
    // The emptied cart is gone: the next add starts a new one, under a new id.
    const refilled = await add({ cartId }, variants[2], 1);
    expect(refilled.statusCode).toBe(200);
    const newId = refilled.headers['x-cart-id'] as string;
    expect(newId).not.toBe(cartId);
    expect(refilled.json().id).toBe(newId);
    res = await app.inject({
      method: 'DELETE',
      url: '/api/v1/cart',
      headers: { 'x-cart-id': newId },
    });
    expect(res.json()).toMatchObject({ id: newId, items: [], subtotal: 0 });
    expect(await redis.exists(`cart:guest:${newId}`)).toBe(0);
  });

  it('caps a line at the per-line maximum and refuses a line past the maximum lines (422)', async () => {
    const cartId = await newGuestCart([[variants[0], 4]]);
    let res = await add({ cartId }, variants[0], 4);
    expect(res.statusCode).toBe(200);
    expect(res.json().items[0].quantity).toBe(CAPS.maxLineQuantity);
    res = await app.inject({
      method: 'PATCH',
      url: `/api/v1/cart/items/${variants[0]}`,
      headers: { 'x-cart-id': cartId },
      payload: { quantity: 50 },
    });
    expect(res.json().items[0].quantity).toBe(CAPS.maxLineQuantity);
    await add({ cartId }, variants[1], 1);
    await add({ cartId }, variants[2], 1);
    res = await add({ cartId }, variants[3], 1);
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toContain('at most 3');
    expect(Object.keys(await redis.hgetall(`cart:guest:${cartId}`)).sort()).toEqual(
      variants.slice(0, 3).sort(),
    );
    // An existing line can still grow while the cart is full.
    expect((await add({ cartId }, variants[1], 1)).statusCode).toBe(200);
  });

  it('refuses malformed input with a 400 and stores nothing', async () => {
    const before = await redis.keys('*cart:guest:*');
    const bad = [
      { variantId: 'not-a-uuid', quantity: 1 },
      { variantId: variants[0], quantity: 0 },
      { variantId: variants[0], quantity: -1 },
      { variantId: variants[0], quantity: 1.5 },
      { variantId: variants[0], quantity: '2' },
      { variantId: variants[0] },
      { variantId: variants[0], quantity: 1, price: 1 },
    ];
    for (const payload of bad) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/cart/items', payload });
      expect(res.statusCode).toBe(400);
      expect(res.headers['x-cart-id']).toBeUndefined();
    }
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/v1/cart/items/not-a-uuid`,
      payload: { quantity: 1 },
    });
    expect(patch.statusCode).toBe(400);
    expect((await redis.keys('*cart:guest:*')).sort()).toEqual(before.sort());
  });

  it('refuses an unknown variant (404) and an unsellable one (422), storing nothing', async () => {
    const draft = await createProduct(app, merchant, { status: 'draft' });
    const archivedVariant = await createProduct(app, merchant, {
      variants: [
        { price: 100, stock: 1 },
        { price: 200, stock: 1 },
      ],
    });
    await db.query(`UPDATE product_variants SET archived = true WHERE id = $1`, [
      archivedVariant.variants[1].id,
    ]);
    const cartId = await newGuestCart([[variants[0], 1]]);
    const unknown = await add({ cartId }, randomUUID(), 1);
    expect(unknown.statusCode).toBe(404);
    expect((await add({ cartId }, draft.variants[0].id, 1)).statusCode).toBe(422);
    expect((await add({ cartId }, archivedVariant.variants[1].id, 1)).statusCode).toBe(422);
    expect(await redis.hgetall(`cart:guest:${cartId}`)).toEqual({ [variants[0]]: '1' });
    // A guest without a cart gets none from a refused add.
    const fresh = await add({}, randomUUID(), 1);
    expect(fresh.statusCode).toBe(404);
    expect(fresh.headers['x-cart-id']).toBeUndefined();
  });

  it('answers 400 to a malformed X-Cart-Id and an empty cart to an unknown one', async () => {
    for (const cartId of ['short', 'x'.repeat(23), 'has space in it 1234567', '../../etc/passwd']) {
      const res = await getCart({ cartId });
      expect(res.statusCode).toBe(400);
      expect((await add({ cartId }, variants[0], 1)).statusCode).toBe(400);
    }
    const unknown = randomBytes(16).toString('base64url');
    const res = await getCart({ cartId: unknown });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ id: unknown, ...EMPTY_CART });
    // Adding with an id this server did not issue (or that expired) starts a cart under a new
    // id: nobody can plant a cart under an id they chose and hand to someone else.
    const added = await add({ cartId: unknown }, variants[0], 1);
    expect(added.statusCode).toBe(200);
    const issued = added.headers['x-cart-id'] as string;
    expect(issued).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(issued).not.toBe(unknown);
    expect(added.json().id).toBe(issued);
    expect(await redis.exists(`cart:guest:${unknown}`)).toBe(0);
    expect(await redis.hgetall(`cart:guest:${issued}`)).toEqual({ [variants[0]]: '1' });
    const none = await getCart({});
    expect(none.json()).toEqual({ id: null, ...EMPTY_CART });
  });

  it('marks lines unavailable when archived, unpublished, deleted or short of stock, outside the subtotal', async () => {
    const p = await createProduct(app, merchant, {
      variants: [
        { price: 100, stock: 5 },
        { price: 200, stock: 5 },
        { price: 300, stock: 5 },
      ],
    });
    const other = await createProduct(app, merchant, { variants: [{ price: 400, stock: 5 }] });
    const gone = await createProduct(app, merchant, { variants: [{ price: 50, stock: 5 }] });
    const drafted = await createProduct(app, merchant, { variants: [{ price: 60, stock: 5 }] });
    const [a, b, c] = p.variants.map((v: { id: string }) => v.id);
    const cartId = await newGuestCart([
      [a, 2],
      [b, 2],
      [c, 2],
    ]);
    const otherCart = await newGuestCart([
      [other.variants[0].id, 1],
      [drafted.variants[0].id, 1],
    ]);
    const availability = async (id: string) =>
      Object.fromEntries(
        (await getCart({ cartId: id }))
          .json()
          .items.map((i: { variantId: string; available: boolean }) => [i.variantId, i.available]),
      );
    expect((await getCart({ cartId })).json().subtotal).toBe(200 + 400 + 600);

    // stock drops below the quantity
    await db.query(`UPDATE product_variants SET stock = 1 WHERE id = $1`, [a]);
    // one variant archived
    await db.query(`UPDATE product_variants SET archived = true WHERE id = $1`, [b]);
    // the other product archived (DELETE /products/:id)
    const archived = await app.inject({
      method: 'DELETE',
      url: `/api/v1/products/${other.id}`,
      headers: merchant.auth,
    });
    expect(archived.statusCode).toBe(200);
    // and a product back to draft (unpublished)
    const unpublished = await app.inject({
      method: 'PATCH',
      url: `/api/v1/products/${drafted.id}`,
      headers: merchant.auth,
      payload: { status: 'draft' },
    });
    expect(unpublished.statusCode).toBe(200);
    expect(await availability(cartId)).toEqual({ [a]: false, [b]: false, [c]: true });
    expect(await availability(otherCart)).toEqual({
      [other.variants[0].id]: false,
      [drafted.variants[0].id]: false,
    });
    expect((await getCart({ cartId: otherCart })).json().subtotal).toBe(0);
    const body = (await getCart({ cartId })).json();
    expect(body.subtotal).toBe(600);
    expect(body.items.find((i: { variantId: string }) => i.variantId === a)).toMatchObject({
      unitPrice: 100,
      lineTotal: 200,
      available: false,
    });

    // A deleted variant stays listed (so that the buyer sees it went), without a price.
    const goneCart = await newGuestCart([[gone.variants[0].id, 1]]);
    await db.query(`DELETE FROM product_variants WHERE id = $1`, [gone.variants[0].id]);
    expect((await getCart({ cartId: goneCart })).json()).toMatchObject({
      items: [
        {
          variantId: gone.variants[0].id,
          productId: null,
          title: null,
          options: null,
          unitPrice: null,
          quantity: 1,
          lineTotal: 0,
          available: false,
        },
      ],
      subtotal: 0,
      // Nothing can be bought: nothing ships, nothing to pay.
      shipping: 0,
      total: 0,
    });
  });

  it('keeps a signed-in user’s cart by user id and refuses a bad token with 401', async () => {
    const user = await createUser(app);
    const res = await add({ user }, variants[0], 2);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-cart-id']).toBeUndefined();
    expect(res.json().id).toBe(user.id);
    expect(await redis.hgetall(`cart:user:${user.id}`)).toEqual({ [variants[0]]: '2' });
    expect(quantities((await getCart({ user })).json())).toEqual({ [variants[0]]: 2 });
    const bad = await app.inject({
      method: 'GET',
      url: '/api/v1/cart',
      headers: { authorization: 'Bearer not-a-token' },
    });
    expect(bad.statusCode).toBe(401);
  });

  it('merges the guest cart into the new account at register', async () => {
    const cartId = await newGuestCart([
      [variants[0], 2],
      [variants[1], 1],
    ]);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      headers: { 'x-cart-id': cartId },
      payload: { email: uniqueEmail('cart'), password: 'a fine long passphrase', name: 'Cart' },
    });
    expect(res.statusCode).toBe(201);
    const user = { auth: { authorization: `Bearer ${res.json().accessToken}` } };
    const cart = (await getCart({ user })).json();
    expect(cart.id).toBe(res.json().user.id);
    expect(quantities(cart)).toEqual({ [variants[0]]: 2, [variants[1]]: 1 });
    expect(await redis.exists(`cart:guest:${cartId}`)).toBe(0);
  });

  const login = (user: TestUser, cartId?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: cartId ? { 'x-cart-id': cartId } : {},
      payload: { email: user.email, password: user.password },
    });

  it('merges at login: quantities add up, capped per line, past the line limit dropped', async () => {
    const user = await createUser(app);
    await add({ user }, variants[0], 4);
    await add({ user }, variants[1], 1);
    const cartId = await newGuestCart([
      [variants[0], 3],
      [variants[2], 2],
      [variants[3], 1],
    ]);
    const res = await login(user, cartId);
    expect(res.statusCode).toBe(200);
    const cart = (await getCart({ user })).json();
    // 4 + 3 capped at 5; variant 2 fills the third line; variant 3 has no room left.
    expect(cart.items).toHaveLength(3);
    expect(quantities(cart)[variants[0]]).toBe(5);
    expect(quantities(cart)[variants[1]]).toBe(1);
    // Guest lines merge in the order they were added (a small hash keeps it).
    expect(quantities(cart)[variants[2]]).toBe(2);
    expect(quantities(cart)[variants[3]]).toBeUndefined();
    expect(await redis.exists(`cart:guest:${cartId}`)).toBe(0);
    // Logging in again with the spent id changes nothing; a malformed id does not fail login.
    expect((await login(user, cartId)).statusCode).toBe(200);
    expect((await login(user, 'not a cart id')).statusCode).toBe(200);
    expect((await getCart({ user })).json()).toEqual(cart);
  });

  it('merges a guest cart once when two logins present it at the same time', async () => {
    const user = await createUser(app);
    const cartId = await newGuestCart([
      [variants[0], 2],
      [variants[1], 1],
    ]);
    const answers = await Promise.all([
      login(user, cartId),
      login(user, cartId),
      login(user, cartId),
    ]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200]);
    expect(quantities((await getCart({ user })).json())).toEqual({
      [variants[0]]: 2,
      [variants[1]]: 1,
    });
  });
});

describe('cart while Redis is unreachable', () => {
  let proxy: TcpProxy;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ app, proxy } = await createAppBehindRedisProxy());
  });
  afterAll(async () => {
    await app.close();
    await proxy.stop();
  });

  it('answers 503 (problem+json) instead of a 500, and works again once Redis is back', async () => {
    const cartId = randomBytes(16).toString('base64url');
    const read = () =>
      app.inject({ method: 'GET', url: '/api/v1/cart', headers: { 'x-cart-id': cartId } });
    expect((await read()).statusCode).toBe(200);
    await proxy.cut();
    const down = await read();
    expect(down.statusCode).toBe(503);
    expect(down.headers['content-type']).toContain('application/problem+json');
    expect(down.json().detail).toContain('cart');
    await proxy.restore();
    let back = await read();
    for (let i = 0; i < 40 && back.statusCode !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      back = await read();
    }
    expect(back.statusCode).toBe(200);
  });
});
