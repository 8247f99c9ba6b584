import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ReviewEligibility } from '../src/modules/catalog/review-eligibility';
import { createMerchant, createProduct } from './support/catalog';
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

describe('reviews (the real purchase check: no orders yet, so nobody has bought)', () => {
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
});

describe('reviews with purchase granted through the ReviewEligibility seam (test override)', () => {
  let app: NestFastifyApplication;
  const bought: ReviewEligibility = { hasPurchased: () => Promise.resolve(true) };

  beforeAll(async () => {
    app = await createTestApp({ overrides: [[ReviewEligibility, bought]] });
  });
  afterAll(() => app.close());

  it('keeps the average and count exact and allows one review per user', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant);
    const ratings = [5, 4, 4, 1, 5, 3, 5];
    const users = await Promise.all(ratings.map(() => createUser(app, 'customer')));
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
    const customer = await createUser(app, 'customer');
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
