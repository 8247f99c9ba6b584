import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { preparedStatementTexts } from '../src/database/sql';
import { createBuyers } from './support/buyers';
import { createMerchant, createProduct } from './support/catalog';
import { addToCart, postCheckout } from './support/checkout';
import { createTestApp } from './support/test-app';

/**
 * The catalogs the generic plans are checked against, in schemas of their own (copies of the
 * real tables): the demo's size, where a sequential scan looks cheap to the planner, and a
 * large one. Products × variants per product.
 */
const CATALOGS = [
  { products: 240, variants: 3 },
  { products: 2_000, variants: 10 },
];
const CATALOG_TABLES = ['products', 'product_variants'];
const ADDRESS = { line1: '1 Plan Street', city: 'Berlin', postalCode: '10115', country: 'DE' };

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Schema?: string;
  Plans?: PlanNode[];
}

/**
 * The hot reads run as named statements (`preparedQuery`). After five runs PostgreSQL may plan
 * such a statement once for any parameter values (a generic plan), estimating an array
 * parameter at 10 elements. This checks, for every named statement the catalog, cart, account
 * and order routes ran, that its generic plan reads catalog rows by index and never scans a
 * whole catalog table, on a catalog of 720 variants and on one of 20,000: pricing a cart of
 * three lines read all 720 before (its `unnest` joined by hash over a sequential scan).
 */
describe('named statements keep index plans when PostgreSQL plans them generically', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  const run = randomBytes(4).toString('hex');
  const schemas = CATALOGS.map((_, i) => `plans_${run}_${i}`);

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    for (const [i, schema] of schemas.entries()) {
      await db.query(`CREATE SCHEMA ${schema}`);
      for (const table of CATALOG_TABLES) {
        await db.query(`CREATE TABLE ${schema}.${table} (LIKE public.${table} INCLUDING ALL)`);
      }
      await db.query(
        `INSERT INTO ${schema}.products (shop_id, slug, title, status, created_at)
         SELECT gen_random_uuid(), 'plan-' || i, 'Plan product ' || i,
                CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'published' END,
                now() - i * interval '1 minute'
           FROM generate_series(1, $1::int) AS i`,
        [CATALOGS[i].products],
      );
      await db.query(
        `INSERT INTO ${schema}.product_variants (product_id, sku, price, stock, position)
         SELECT p.id, p.slug || '-' || j, 100 * j, j, j
           FROM ${schema}.products p, generate_series(1, $1::int) AS j`,
        [CATALOGS[i].variants],
      );
      await db.query(`ANALYZE ${schema}.products, ${schema}.product_variants`);
    }
  });
  afterAll(async () => {
    for (const schema of schemas) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await app.close();
  });

  /** Sequential scans on `schema`'s catalog tables in `text`'s generic plan. */
  async function catalogScans(schema: string, text: string): Promise<string[]> {
    const params = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SET search_path = ${schema}, public`);
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      await runner.query(`PREPARE plan_check AS ${text}`);
      const args = params ? `(${Array(params).fill('NULL').join(', ')})` : '';
      const [row] = await runner.query(`EXPLAIN (FORMAT JSON, VERBOSE) EXECUTE plan_check${args}`);
      const scans: string[] = [];
      const walk = (node: PlanNode) => {
        if (node['Node Type'] === 'Seq Scan' && node.Schema === schema) {
          scans.push(node['Relation Name']!);
        }
        node.Plans?.forEach(walk);
      };
      walk(row['QUERY PLAN'][0].Plan);
      return scans;
    } finally {
      await runner.query('DEALLOCATE ALL');
      await runner.query('RESET ALL');
      await runner.release();
    }
  }

  it('has the app plan every named statement generically (what the check below examines)', async () => {
    expect(await db.query('SHOW plan_cache_mode')).toEqual([
      { plan_cache_mode: 'force_generic_plan' },
    ]);
  });

  it('finds catalog rows by index in every hot read', async () => {
    const merchant = await createMerchant(app);
    const products = [];
    for (let i = 0; i < 3; i++) {
      products.push(await createProduct(app, merchant, { variants: [{ price: 500, stock: 9 }] }));
    }
    const [buyer] = await createBuyers(app, 1, { address: ADDRESS });
    const get = (url: string) => app.inject({ method: 'GET', url, headers: buyer.auth });
    // The routes whose statements are named: cart (add, read), account, catalog, checkout, orders.
    for (const p of products) {
      expect((await addToCart(app, buyer, p.variants[0].id)).statusCode).toBe(200);
    }
    for (const url of [
      '/api/v1/cart',
      '/api/v1/users/me',
      '/api/v1/products',
      '/api/v1/products?sort=price',
      '/api/v1/products?sort=rating&inStock=true',
      '/api/v1/products?q=tent&minPrice=100&maxPrice=90000',
      `/api/v1/products?shop=${merchant.shopSlug}&sort=-price`,
      `/api/v1/products/${products[0].slug}`,
      `/api/v1/products/${products[0].id}`,
    ]) {
      expect((await get(url)).statusCode).toBe(200);
    }
    // Checkout's statements (claim and snapshot, order, payment, stock), then the order list.
    const placed = await postCheckout(app, buyer, { paymentMethod: 'manual' });
    expect(placed.statusCode).toBe(201);
    expect((await get('/api/v1/orders')).statusCode).toBe(200);

    const texts = preparedStatementTexts().filter((t) =>
      CATALOG_TABLES.some((table) => new RegExp(`\\b${table}\\b`).test(t)),
    );
    // The cart's pricing and sellability reads, the listing, the product page and checkout's
    // snapshot and stock statements at least.
    expect(texts.length).toBeGreaterThanOrEqual(6);
    const scans: { schema: string; sql: string; tables: string[] }[] = [];
    for (const schema of schemas) {
      for (const text of texts) {
        const tables = await catalogScans(schema, text);
        const sql = text.replace(/\s+/g, ' ').slice(0, 160);
        if (tables.length) scans.push({ schema, sql, tables });
      }
    }
    expect(scans).toEqual([]);
  });
});
