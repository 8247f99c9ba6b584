import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createMerchant, createProduct } from './support/catalog';
import { insertOrder } from './support/orders-fixture';
import { countRoundTrips } from './support/round-trips';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

describe('order list round trips', () => {
  let app: NestFastifyApplication;
  let buyer: TestUser;
  let admin: TestUser;
  let merchant: Awaited<ReturnType<typeof createMerchant>>;

  beforeAll(async () => {
    app = await createTestApp();
    merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, {
      variants: [{ price: 1000, stock: 50 }],
    });
    buyer = await createUser(app);
    admin = await createUser(app, 'admin');
    for (const status of ['awaiting_payment', 'paid', 'refunded', 'paid'] as const) {
      await insertOrder(app, {
        userId: buyer.id,
        lines: [{ variantId: product.variants[0].id, quantity: 1 }],
        status,
      });
    }
  });
  afterAll(() => app.close());

  /** The answer and the round trips to PostgreSQL it took. */
  const list = async (who: TestUser, url: string) => {
    const trips = countRoundTrips(app);
    const before = trips.count();
    const res = await app.inject({ method: 'GET', url: `/api/v1${url}`, headers: who.auth });
    expect(res.statusCode).toBe(200);
    const items: { id: string; payment: unknown }[] = res.json().items;
    return { items, used: trips.count() - before };
  };

  /** Each listed order reads as its own page does, without the history. */
  const expectAsOwnPages = async (items: { id: string }[]) => {
    for (const item of items) {
      const own = await app.inject({
        method: 'GET',
        url: `/api/v1/orders/${item.id}`,
        headers: admin.auth,
      });
      expect(own.statusCode).toBe(200);
      expect({ ...item, history: own.json().history }).toEqual(own.json());
    }
  };

  it('lists the buyer’s orders with their payments in 2 round trips, sign-in check included', async () => {
    const { items, used } = await list(buyer, '/orders?limit=3');
    expect(items).toHaveLength(3);
    expect(items.every((o) => o.payment !== null)).toBe(true);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(2);
    await expectAsOwnPages(items);
  });

  it('lists every order in a status with their payments in 2 round trips', async () => {
    const { items, used } = await list(admin, '/admin/orders?status=paid&limit=100');
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.every((o) => o.payment !== null)).toBe(true);
    expect(used).toBeLessThanOrEqual(2);
    await expectAsOwnPages(items);
  });

  it('lists a shop’s orders with their payments in 3 round trips (the shop lookup included)', async () => {
    const { items, used } = await list(merchant, '/merchant/orders?limit=100');
    expect(items).toHaveLength(4);
    expect(items.every((o) => o.payment !== null)).toBe(true);
    expect(used).toBeLessThanOrEqual(3);
    await expectAsOwnPages(items);
  });
});
