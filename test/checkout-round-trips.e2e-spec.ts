import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import { createBuyers } from './support/buyers';
import { createMerchant, createProduct } from './support/catalog';
import { createTestApp } from './support/test-app';

const ADDRESS = { line1: '1 Buyer Road', city: 'Berlin', postalCode: '10115', country: 'DE' };

/**
 * Counts the round trips to PostgreSQL: every query, simple or extended (prepared), ends with
 * one ReadyForQuery message from the server, which pg's connection emits as an event.
 */
function countRoundTrips(pool: Pool): { count: () => number } {
  let n = 0;
  const counted = new WeakSet<object>();
  const watch = (client: PoolClient) => {
    const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
    if (counted.has(connection)) return;
    counted.add(connection);
    connection.on('readyForQuery', () => n++);
  };
  for (const client of (pool as unknown as { _clients: PoolClient[] })._clients) watch(client);
  pool.on('connect', watch);
  return { count: () => n };
}

describe('checkout round trips', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  it('places an order in at most 10 round trips to PostgreSQL, sign-in check included', async () => {
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
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/cart/items',
        headers: who.auth,
        payload: { variantId: v.id, quantity: 2 },
      });
      expect(res.statusCode).toBe(200);
    }
    const db = app.get(DataSource);
    const trips = countRoundTrips((db.driver as unknown as { master: Pool }).master);
    const before = trips.count();
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/checkout',
      headers: { ...who.auth, 'idempotency-key': randomUUID() },
      payload: { paymentMethod: 'manual' },
    });
    expect(res.statusCode).toBe(201);
    const used = trips.count() - before;
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(10);
  });
});
