import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createMerchant, createProduct } from './support/catalog';
import { FixtureOrderStatus, insertOrder } from './support/orders-fixture';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

const review = (
  app: NestFastifyApplication,
  user: TestUser,
  productId: string,
  payload: Record<string, unknown>,
) =>
  app.inject({
    method: 'POST',
    url: `/api/v1/products/${productId}/reviews`,
    headers: user.auth,
    payload,
  });

/** A customer with an order of `status` holding the product's first variant. */
async function buyer(
  app: NestFastifyApplication,
  product: { variants: { id: string }[] },
  status: FixtureOrderStatus = 'placed',
): Promise<TestUser> {
  const user = await createUser(app, 'customer');
  await insertOrder(app, {
    userId: user.id,
    lines: [{ variantId: product.variants[0].id, quantity: 1 }],
    status,
  });
  return user;
}

describe('reviews: only buyers (a non-cancelled order holding the product)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('refuses a review from a customer who has not bought the product (403)', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant);
    const customer = await createUser(app, 'customer');
    const res = await review(app, customer, product.id, { rating: 5 });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe('Only customers who bought this product can review it.');
    const anonymous = await app.inject({
      method: 'POST',
      url: `/api/v1/products/${product.id}/reviews`,
      payload: { rating: 5 },
    });
    expect(anonymous.statusCode).toBe(401);
    const listed = await app.inject({
      method: 'GET',
      url: `/api/v1/products/${product.id}/reviews`,
    });
    expect(listed.json()).toEqual({ items: [], nextCursor: null });
  });

  it('accepts a buyer with a placed order, and a delivered or refunded one (201)', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, { variants: [{ price: 500, stock: 9 }] });
    for (const status of ['placed', 'delivered', 'refunded'] as const) {
      const res = await review(app, await buyer(app, product, status), product.id, { rating: 4 });
      expect(res.statusCode).toBe(201);
    }
  });

  it('refuses a buyer whose only order of the product is cancelled (403)', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant);
    const other = await createProduct(app, merchant);
    const cancelled = await buyer(app, product, 'cancelled');
    // An order of another product of the same shop does not count either.
    await insertOrder(app, {
      userId: cancelled.id,
      lines: [{ variantId: other.variants[0].id, quantity: 1 }],
    });
    const res = await review(app, cancelled, product.id, { rating: 2 });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe('Only customers who bought this product can review it.');
  });

  it('stops a buyer who cancelled through the API from reviewing', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant);
    const user = await buyer(app, product);
    const [order] = (
      await app.inject({ method: 'GET', url: '/api/v1/orders', headers: user.auth })
    ).json().items;
    const cancel = await app.inject({
      method: 'POST',
      url: `/api/v1/orders/${order.id}/cancel`,
      headers: user.auth,
    });
    expect(cancel.statusCode).toBe(200);
    expect((await review(app, user, product.id, { rating: 1 })).statusCode).toBe(403);
  });

  it('keeps the average and count exact and allows one review per user', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant);
    const ratings = [5, 4, 4, 1, 5, 3, 5];
    const users = await Promise.all(ratings.map(() => buyer(app, product)));
    const results = await Promise.all(
      users.map((u, i) =>
        review(app, u, product.id, { rating: ratings[i], comment: `<b>r${i}</b>` }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(ratings.map(() => 201));
    expect(results[0].json()).toMatchObject({
      rating: 5,
      comment: '<b>r0</b>',
      productId: product.id,
    });

    const again = await review(app, users[0], product.id, { rating: 1 });
    expect(again.statusCode).toBe(409);

    const shown = await app.inject({ method: 'GET', url: `/api/v1/products/${product.id}` });
    const sum = ratings.reduce((a, b) => a + b, 0);
    expect(shown.json().rating).toEqual({
      average: Math.round((sum * 100) / ratings.length) / 100,
      count: ratings.length,
    });

    const first = await app.inject({
      method: 'GET',
      url: `/api/v1/products/${product.id}/reviews?limit=4`,
    });
    const rest = await app.inject({
      method: 'GET',
      url: `/api/v1/products/${product.id}/reviews?limit=4&cursor=${first.json().nextCursor}`,
    });
    const ids = [...first.json().items, ...rest.json().items].map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(ratings.length);
    expect(rest.json().nextCursor).toBeNull();
  });

  it('refuses an out-of-range rating or an overlong comment (400), and drafts (404)', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant);
    const customer = await buyer(app, product);
    expect((await review(app, customer, product.id, { rating: 0 })).statusCode).toBe(400);
    expect((await review(app, customer, product.id, { rating: 6 })).statusCode).toBe(400);
    expect(
      (await review(app, customer, product.id, { rating: 3, comment: 'x'.repeat(2001) }))
        .statusCode,
    ).toBe(400);
    const draft = await createProduct(app, merchant, { status: 'draft' });
    expect((await review(app, customer, draft.id, { rating: 3 })).statusCode).toBe(404);
    const shown = await app.inject({ method: 'GET', url: `/api/v1/products/${product.id}` });
    expect(shown.json().rating).toEqual({ average: 0, count: 0 });
  });
});
