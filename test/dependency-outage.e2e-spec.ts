import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LightMyRequestResponse } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Buyer, createBuyers } from './support/buyers';
import { createMerchant, createProduct } from './support/catalog';
import { createAppBehindProxies } from './support/dependency-proxies';
import { TcpProxy } from './support/tcp-proxy';
import { createUser, TestUser } from './support/users';

/** Repeats `request` until `done` holds (bounded: 60 tries, 250 ms apart); returns the last. */
async function until(
  request: () => Promise<LightMyRequestResponse>,
  done: (res: LightMyRequestResponse) => boolean,
): Promise<LightMyRequestResponse> {
  let last = await request();
  for (let i = 0; i < 60 && !done(last); i++) {
    await new Promise((r) => setTimeout(r, 250));
    last = await request();
  }
  return last;
}

/**
 * The API with PostgreSQL and Redis each behind a TCP proxy the test cuts (never the shared
 * servers): a request that cannot be served answers 503 problem+json with Retry-After, never
 * 500; public catalog reads go on from PostgreSQL while Redis is down; everything works again
 * once the dependency returns, without a restart.
 */
describe('a dependency down', () => {
  let dbProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let app: NestFastifyApplication;
  let buyer: TestUser;
  /** Has a shipping address: checks out. */
  let shopper: Buyer;
  let slugs: string[];
  let variantId: string;

  beforeAll(async () => {
    ({ app, dbProxy, redisProxy } = await createAppBehindProxies());
    const merchant = await createMerchant(app);
    const products = [];
    for (let i = 0; i < 3; i++) {
      products.push(
        await createProduct(app, merchant, { variants: [{ price: 1500, stock: 100 }] }),
      );
    }
    slugs = products.map((p: { slug: string }) => p.slug);
    variantId = products[0].variants[0].id;
    buyer = await createUser(app);
    [shopper] = await createBuyers(app, 1, {
      address: { line1: '1 Buyer Road', city: 'Berlin', postalCode: '10115', country: 'DE' },
    });
  });

  afterAll(async () => {
    await app.close();
    await dbProxy.stop();
    await redisProxy.stop();
  });

  const listing = (query = '') =>
    app.inject({ method: 'GET', url: `/api/v1/products?limit=5${query}` });
  const productPage = (slug: string) =>
    app.inject({ method: 'GET', url: `/api/v1/products/${slug}` });
  const signIn = () =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: buyer.email, password: buyer.password },
    });
  const addToCart = () =>
    app.inject({
      method: 'POST',
      url: '/api/v1/cart/items',
      headers: shopper.auth,
      payload: { variantId, quantity: 1 },
    });
  const checkout = () =>
    app.inject({
      method: 'POST',
      url: '/api/v1/checkout',
      headers: { ...shopper.auth, 'idempotency-key': randomUUID() },
      payload: {},
    });

  const expectUnavailable = (res: LightMyRequestResponse, what: string) => {
    expect({ what, status: res.statusCode }).toEqual({ what, status: 503 });
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json()).toMatchObject({ status: 503, type: '/problems/service-unavailable' });
  };

  it('PostgreSQL cut: listing, product page, checkout and sign-in answer 503 with Retry-After, and succeed again once it returns', async () => {
    expect((await addToCart()).statusCode).toBe(200);
    await dbProxy.cut();
    try {
      // Queries the catalog cache has never seen, so that PostgreSQL must answer them.
      expectUnavailable(await listing('&minPrice=1'), 'listing');
      expectUnavailable(await productPage(slugs[1]), 'product page');
      expectUnavailable(await checkout(), 'checkout');
      expectUnavailable(await signIn(), 'sign-in');
    } finally {
      await dbProxy.restore();
    }
    const ok = (res: LightMyRequestResponse) => res.statusCode < 300;
    expect((await until(() => listing('&minPrice=1'), ok)).statusCode).toBe(200);
    expect((await until(() => productPage(slugs[1]), ok)).statusCode).toBe(200);
    expect((await until(signIn, ok)).statusCode).toBe(200);
    expect((await until(checkout, ok)).statusCode).toBe(201);
  });

  it('Redis cut: the listing and product pages answer 200 from PostgreSQL, the cart 503', async () => {
    // Warm the cache, then cut: nothing may be served from it unchecked, nothing fails.
    expect((await listing()).statusCode).toBe(200);
    expect((await productPage(slugs[0])).statusCode).toBe(200);
    await redisProxy.cut();
    try {
      const list = await listing();
      expect(list.statusCode).toBe(200);
      expect(list.json().items.length).toBeGreaterThan(0);
      for (const slug of slugs) {
        const page = await productPage(slug);
        expect(page.statusCode).toBe(200);
        expect(page.json().slug).toBe(slug);
      }
      expectUnavailable(await addToCart(), 'cart');
    } finally {
      await redisProxy.restore();
    }
    expect((await until(addToCart, (res) => res.statusCode === 200)).statusCode).toBe(200);
    expect((await listing()).statusCode).toBe(200);
  });
});
