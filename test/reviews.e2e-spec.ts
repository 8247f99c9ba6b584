import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createMerchant, createProduct } from './support/catalog';
import { FixtureOrderStatus, insertOrder } from './support/orders-fixture';
import { AdminPayments } from './support/payments';
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
  status: FixtureOrderStatus = 'paid',
): Promise<TestUser> {
  const user = await createUser(app, 'customer');
  await insertOrder(app, {
    userId: user.id,
    lines: [{ variantId: product.variants[0].id, quantity: 1 }],
    status,
  });
  return user;
}

const NOT_A_BUYER =
  'Only customers with a paid order for this product (not cancelled, expired or refunded) can ' +
  'review it.';

const ratingOf = async (app: NestFastifyApplication, productId: string) =>
  (await app.inject({ method: 'GET', url: `/api/v1/products/${productId}` })).json().rating;

describe('reviews: only buyers (a paid order holding the product, not cancelled, expired or refunded)', () => {
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
    expect(res.json().detail).toBe(NOT_A_BUYER);
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

  it('accepts a buyer with a paid, shipped, delivered or partly refunded order (201)', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, { variants: [{ price: 500, stock: 9 }] });
    for (const status of ['paid', 'shipped', 'delivered'] as const) {
      const res = await review(app, await buyer(app, product, status), product.id, { rating: 4 });
      expect(res.statusCode).toBe(201);
    }
    const partly = await buyer(app, product, 'paid');
    const [order] = (
      await app.inject({ method: 'GET', url: '/api/v1/orders', headers: partly.auth })
    ).json().items;
    await new AdminPayments(app).refund(order.id, { amount: 100, reason: 'Scratch' });
    expect((await review(app, partly, product.id, { rating: 3 })).statusCode).toBe(201);
  });

  it.each(['awaiting_payment', 'expired', 'cancelled', 'refunded'] as const)(
    'refuses a buyer whose only order of the product is %s (403)',
    async (status) => {
      const merchant = await createMerchant(app);
      const product = await createProduct(app, merchant);
      const other = await createProduct(app, merchant);
      const user = await buyer(app, product, status);
      // A paid order of another product of the same shop does not count either.
      await insertOrder(app, {
        userId: user.id,
        lines: [{ variantId: other.variants[0].id, quantity: 1 }],
        status: 'paid',
      });
      const res = await review(app, user, product.id, { rating: 2 });
      expect(res.statusCode).toBe(403);
      expect(res.json().detail).toBe(NOT_A_BUYER);
    },
  );

  it('refuses a merchant reviewing their own shop’s product, even one they paid for (403)', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant);
    await insertOrder(app, {
      userId: merchant.id,
      lines: [{ variantId: product.variants[0].id, quantity: 1 }],
      status: 'paid',
    });
    const res = await review(app, merchant, product.id, { rating: 5 });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toBe('You cannot review the products of your own shop.');
    expect(await ratingOf(app, product.id)).toEqual({ average: 0, count: 0 });
  });

  it('takes a review out of the rating and the list when its order is refunded or cancelled', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, { variants: [{ price: 800, stock: 20 }] });
    const payments = new AdminPayments(app);
    const keeps = await buyer(app, product);
    const refunded = await buyer(app, product);
    const cancelled = await buyer(app, product);
    const twice = await buyer(app, product);
    // A second paid order of the same product keeps `twice` qualified after one is refunded.
    await insertOrder(app, {
      userId: twice.id,
      lines: [{ variantId: product.variants[0].id, quantity: 1 }],
      status: 'paid',
    });
    for (const [user, rating] of [
      [keeps, 5],
      [refunded, 1],
      [cancelled, 1],
      [twice, 3],
    ] as const) {
      expect((await review(app, user, product.id, { rating })).statusCode).toBe(201);
    }
    expect(await ratingOf(app, product.id)).toEqual({ average: 2.5, count: 4 });

    const orderOf = async (user: TestUser) =>
      (await app.inject({ method: 'GET', url: '/api/v1/orders', headers: user.auth })).json()
        .items as { id: string }[];
    const [refundedOrder] = await orderOf(refunded);
    expect((await payments.refund(refundedOrder.id, { reason: 'Returned' })).json().status).toBe(
      'refunded',
    );
    const [cancelledOrder] = await orderOf(cancelled);
    const admin = await createUser(app, 'admin');
    const cancel = await app.inject({
      method: 'POST',
      url: `/api/v1/orders/${cancelledOrder.id}/cancel`,
      headers: admin.auth,
    });
    expect(cancel.json().status).toBe('cancelled');
    const [oneOfTwo] = await orderOf(twice);
    await payments.refund(oneOfTwo.id, { reason: 'Returned' });

    // 5 and 3 still count; the two 1★ reviews are hidden and out of the average.
    expect(await ratingOf(app, product.id)).toEqual({ average: 4, count: 2 });
    const listed = await app.inject({
      method: 'GET',
      url: `/api/v1/products/${product.id}/reviews`,
    });
    expect(
      listed
        .json()
        .items.map((r: { rating: number }) => r.rating)
        .sort(),
    ).toEqual([3, 5]);
  });

  it('stops a buyer whose paid order an admin cancelled through the API from reviewing', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant);
    const user = await buyer(app, product);
    const [order] = (
      await app.inject({ method: 'GET', url: '/api/v1/orders', headers: user.auth })
    ).json().items;
    const cancel = await app.inject({
      method: 'POST',
      url: `/api/v1/orders/${order.id}/cancel`,
      headers: (await createUser(app, 'admin')).auth,
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
