import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBuyers } from './support/buyers';
import { createMerchant, createProduct } from './support/catalog';
import { countRoundTrips } from './support/round-trips';
import { addToCart, postCheckout } from './support/checkout';
import { createTestApp } from './support/test-app';

const ADDRESS = { line1: '1 Buyer Road', city: 'Berlin', postalCode: '10115', country: 'DE' };

describe('checkout round trips', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('places an order paid by bank transfer in 3 round trips to PostgreSQL: the sign-in check, the variants and number, the whole transaction in one', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, {
      title: 'Round trip item',
      variants: [
        { price: 1000, stock: 10 },
        { price: 500, stock: 10 },
      ],
    });
    const [who] = await createBuyers(app, 1, { address: ADDRESS });
    for (const v of product.variants) {
      expect((await addToCart(app, who, v.id, 2)).statusCode).toBe(200);
    }
    const trips = countRoundTrips(app);
    const before = trips.count();
    const res = await postCheckout(app, who, { paymentMethod: 'manual' });
    expect(res.statusCode).toBe(201);
    const used = trips.count() - before;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(3);
    // The transaction (BEGIN, the claim, the order, the stock, COMMIT) is one of them: no round
    // trip ended with it open.
    expect(trips.inTransaction()).toBe(0);
  });
});
