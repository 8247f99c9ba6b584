import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { SeedModule } from '../src/cli/seed/seed.module';
import { SeedService } from '../src/cli/seed/seed.service';
import { createMerchant, createProduct } from './support/catalog';
import { createTestApp } from './support/test-app';

describe('demo catalog seed', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({ imports: [SeedModule] });
  });
  afterAll(() => app.close());

  it('writes shops, a category tree and products with 1-4 variants whose stock has movements', async () => {
    // A shop's own "Summit tent" already holds the slug that a demo product's title gives.
    const db = app.get(DataSource);
    const taken = async () =>
      (await db.query(`SELECT count(*)::int AS n FROM products WHERE slug = 'summit-tent'`))[0].n;
    if ((await taken()) === 0) {
      await createProduct(app, await createMerchant(app), { title: 'Summit tent' });
    }
    expect(await taken()).toBe(1);

    const report = await app.get(SeedService).seedCatalog(60);
    expect(report).toMatchObject({ shops: 4, categories: 17, products: 60 });
    // The demo's own "Summit tent" got a slug of its own; the shop's product kept its slug.
    const demoTents = await db.query(
      `SELECT p.slug FROM products p
        WHERE p.title = 'Summit tent' AND EXISTS (
          SELECT 1 FROM product_variants x WHERE x.product_id = p.id AND x.sku LIKE 'DEMO-%')`,
    );
    expect(demoTents.length).toBeGreaterThan(0);
    expect(demoTents.map((t: { slug: string }) => t.slug)).not.toContain('summit-tent');
    expect(await taken()).toBe(1);
    const [counts] = await db.query(
      `SELECT count(DISTINCT p.id)::int AS products,
              min(n)::int AS fewest, max(n)::int AS most
         FROM products p
         JOIN (SELECT product_id, count(*) AS n FROM product_variants GROUP BY product_id) v
           ON v.product_id = p.id
        WHERE p.slug ~ '^[a-z0-9-]+$' AND EXISTS (
          SELECT 1 FROM product_variants x WHERE x.product_id = p.id AND x.sku LIKE 'DEMO-%')`,
    );
    expect(counts.products).toBe(60);
    expect(counts.fewest).toBeGreaterThanOrEqual(1);
    expect(counts.most).toBeLessThanOrEqual(4);
    const unmatched = await db.query(
      `SELECT v.id FROM product_variants v
        WHERE v.sku LIKE 'DEMO-%' AND v.stock > 0 AND NOT EXISTS (
          SELECT 1 FROM stock_movements m WHERE m.variant_id = v.id AND m.resulting_stock = v.stock)`,
    );
    expect(unmatched).toEqual([]);

    const tree = await app.inject({ method: 'GET', url: '/api/v1/categories' });
    const outdoor = tree.json().find((c: { slug: string }) => c.slug === 'outdoor');
    expect(outdoor.children.length).toBe(4);
    const listed = await app.inject({
      method: 'GET',
      url: `/api/v1/products?category=${outdoor.id}&limit=5`,
    });
    expect(listed.json().items.length).toBeGreaterThan(0);
  });
});
