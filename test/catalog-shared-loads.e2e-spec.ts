import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { catalogConfig } from '../src/config';
import { CatalogCache } from '../src/modules/catalog/catalog-cache';
import { ProductsRepository } from '../src/modules/catalog/products.repository';
import { REDIS, Redis } from '../src/redis/redis.module';
import { createMerchant, createProduct } from './support/catalog';
import { createTestApp } from './support/test-app';

/**
 * Concurrent public reads of one listing or product share their load (CatalogCache's
 * SharedLoads), with the catalog cache off (`CATALOG_CACHE_TTL_MS=0`) as with it on, and each
 * read still shows every write completed before it was asked.
 */
describe('catalog reads shared by concurrent requests', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp({ overrides: [[catalogConfig.KEY, { cacheTtlMs: 0 }]] });
  });
  afterAll(() => app.close());

  const get = (url: string) => app.inject({ method: 'GET', url });

  it('answers concurrent uncached reads of one listing from fewer queries than requests, all alike', async () => {
    const owner = await createMerchant(app);
    await createProduct(app, owner, { title: 'Shared tent' });
    const url = `/api/v1/products?shop=${owner.shopId}`;
    const list = jest.spyOn(app.get(ProductsRepository), 'list');
    try {
      const answers = await Promise.all(Array.from({ length: 16 }, () => get(url)));
      expect(answers.map((r) => r.statusCode)).toEqual(Array(16).fill(200));
      expect(new Set(answers.map((r) => r.body)).size).toBe(1);
      expect(answers[0].json().items[0].title).toBe('Shared tent');
      // The first read goes at once; those asked while it is in flight share the next one (a
      // slow machine may let one more through between them). Without sharing: 16.
      expect(list.mock.calls.length).toBeLessThanOrEqual(4);
      // Nothing stays shared once the reads settled: the next read is loaded again.
      expect((await get(url)).statusCode).toBe(200);
      expect(list.mock.calls.length).toBeLessThanOrEqual(5);
      expect(list.mock.calls.length).toBeGreaterThanOrEqual(3);
    } finally {
      list.mockRestore();
    }
  });

  it.each([
    ['product page', 'findByIdOrSlug' as const],
    ['listing', 'list' as const],
  ])(
    'never answers an uncached %s asked after a completed write from a load started before it',
    async (_, method) => {
      const owner = await createMerchant(app);
      const product = await createProduct(app, owner, { title: 'Before' });
      const url =
        method === 'list'
          ? `/api/v1/products?shop=${owner.shopId}`
          : `/api/v1/products/${product.slug}`;
      const titleOf = (body: string) => {
        const json = JSON.parse(body) as { title?: string; items?: { title: string }[] };
        return json.items ? json.items[0].title : json.title;
      };
      // The first load's query runs, then its answer is held until released: a load on the wire
      // across the write.
      const repository = app.get(ProductsRepository);
      const real = repository[method].bind(repository) as (...args: unknown[]) => Promise<unknown>;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let queried!: () => void;
      const firstQueried = new Promise<void>((resolve) => (queried = resolve));
      let calls = 0;
      const spy = jest
        .spyOn(repository, method)
        .mockImplementation(async (...args: unknown[]): Promise<never> => {
          const rows = await real(...args);
          if (++calls === 1) {
            queried();
            await released;
          }
          return rows as never;
        });
      try {
        const before = get(url);
        await firstQueried;
        const renamed = await app.inject({
          method: 'PATCH',
          url: `/api/v1/products/${product.id}`,
          headers: owner.auth,
          payload: { title: 'After' },
        });
        expect(renamed.statusCode).toBe(200);
        const after = get(url);
        await new Promise((resolve) => setTimeout(resolve, 20)); // let it ask
        release();
        expect(titleOf((await before).body)).toBe('Before');
        expect(titleOf((await after).body)).toBe('After');
      } finally {
        spy.mockRestore();
      }
    },
  );

  it('never gives a miss asked after a write on another instance an entry stored before it (cache on)', async () => {
    const redis = app.get<Redis>(REDIS);
    const cache = new CatalogCache(redis, { cacheTtlMs: 1000 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstLoad = true;
    const load = async () => {
      if (!firstLoad) return { title: 'After' };
      firstLoad = false;
      await held; // read before the write, answered after it
      return { title: 'Before' };
    };
    const first = cache.read('across', load);
    const waiting = cache.read('across', load); // the same version: it waits for the next load
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Another instance's write completes: it bumps the version in Redis.
    await new CatalogCache(redis, { cacheTtlMs: 1000 }).invalidate();
    const after = cache.read('across', load);
    await new Promise((resolve) => setTimeout(resolve, 20)); // let it read the new version
    release();
    expect(await first).toEqual({ title: 'Before' });
    expect(await waiting).toEqual({ title: 'Before' }); // stored under the version it read
    expect(await after).toEqual({ title: 'After' });
  });

  it('loads a new entry once for the concurrent reads that miss it (cache on)', async () => {
    const cache = new CatalogCache(app.get<Redis>(REDIS), { cacheTtlMs: 1000 });
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { title: 'Wanted by all' };
    };
    const values = await Promise.all(Array.from({ length: 20 }, () => cache.read('new', load)));
    expect(values).toEqual(Array(20).fill({ title: 'Wanted by all' }));
    // All asked in one turn, so all read the same version: the first load stores the entry
    // under it, and the reads that waited for it find it there. Without sharing: 20 loads.
    expect(loads).toBe(1);
  });
});
