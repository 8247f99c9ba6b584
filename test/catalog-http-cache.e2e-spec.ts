import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { representationFor } from '../src/common/http/public-answer';
import { CatalogCache } from '../src/modules/catalog/catalog-cache';
import { CategoriesService } from '../src/modules/catalog/categories.service';
import { ProductsService } from '../src/modules/catalog/products.service';
import { REDIS, Redis } from '../src/redis/redis.module';
import { createCategory, createMerchant, createProduct } from './support/catalog';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

/** Headers that differ between any two answers. */
const CHANGING = new Set(['date', 'x-request-id']);

/** ETag, Cache-Control and conditional requests on the public catalog reads. */
describe('catalog answers for HTTP caches', () => {
  let app: NestFastifyApplication;
  /**
   * A second API instance on the same PostgreSQL and Redis. It lives for the suite: passport's
   * registry of named strategies is process-wide (@nestjs/passport registers each app's by name),
   * so both apps sign in through the one built last, and after it closed the first answered 500.
   * Production runs one app per process.
   */
  let other: NestFastifyApplication;
  let admin: TestUser;

  beforeAll(async () => {
    app = await createTestApp();
    other = await createTestApp();
    admin = await createUser(app, 'admin');
  });
  afterAll(async () => {
    await other.close();
    await app.close();
  });

  const get = (url: string, headers?: Record<string, string>) =>
    app.inject({ method: 'GET', url, headers });
  const rename = (
    owner: { auth: Record<string, string> },
    id: string,
    title: string,
    instance = app,
  ) =>
    instance.inject({
      method: 'PATCH',
      url: `/api/v1/products/${id}`,
      headers: owner.auth,
      payload: { title },
    });

  /** A fresh answer: 200, a strong ETag, public and short-lived for shared caches. */
  const fresh = async (url: string) => {
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toMatch(/^"[^"]+"$/);
    expect(res.headers['cache-control']).toMatch(
      /^public, max-age=\d+, stale-while-revalidate=\d+$/,
    );
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    return { etag: res.headers.etag as string, json: res.json() };
  };

  it('answers a listing with a strong ETag, and 304 without a body when it still matches', async () => {
    const owner = await createMerchant(app);
    await createProduct(app, owner, { title: 'Tagged tent' });
    const url = `/api/v1/products?shop=${owner.shopId}`;
    const first = await fresh(url);
    expect(first.json.items.map((p: { title: string }) => p.title)).toEqual(['Tagged tent']);
    expect((await fresh(url)).etag).toBe(first.etag);

    const again = await get(url, { 'if-none-match': first.etag });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(first.etag);
    expect(again.headers['cache-control']).toMatch(/^public, /);
    // A list of tags, or the weak form of ours, matches too (RFC 9110 weak comparison).
    const listed = await get(url, { 'if-none-match': `"other", W/${first.etag}` });
    expect(listed.statusCode).toBe(304);
    expect((await get(url, { 'if-none-match': '*' })).statusCode).toBe(304);
  });

  it('changes the ETag on a write, and answers a stale ETag with 200 and the new body', async () => {
    const owner = await createMerchant(app);
    const product = await createProduct(app, owner, { title: 'Old name' });
    const listUrl = `/api/v1/products?shop=${owner.shopId}`;
    const pageUrl = `/api/v1/products/${product.slug}`;
    const list = await fresh(listUrl);
    const page = await fresh(pageUrl);
    expect(page.json.title).toBe('Old name');

    expect((await rename(owner, product.id, 'New name')).statusCode).toBe(200);

    const listAfter = await get(listUrl, { 'if-none-match': list.etag });
    expect(listAfter.statusCode).toBe(200);
    expect(listAfter.headers.etag).not.toBe(list.etag);
    expect(listAfter.json().items[0].title).toBe('New name');
    const pageAfter = await get(pageUrl, { 'if-none-match': page.etag });
    expect(pageAfter.statusCode).toBe(200);
    expect(pageAfter.headers.etag).not.toBe(page.etag);
    expect(pageAfter.json().title).toBe('New name');
    expect(
      (await get(pageUrl, { 'if-none-match': pageAfter.headers.etag as string })).statusCode,
    ).toBe(304);
  });

  it('gives a product page asked with a token (its owner may see a draft) no shared-cache headers', async () => {
    const owner = await createMerchant(app);
    const product = await createProduct(app, owner, { status: 'draft' });
    const res = await get(`/api/v1/products/${product.slug}`, owner.auth);
    expect(res.statusCode).toBe(200);
    expect(res.headers.etag).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    // Anonymous: the draft does not exist, and the 404 is not marked public.
    const anonymous = await get(`/api/v1/products/${product.slug}`);
    expect(anonymous.statusCode).toBe(404);
    expect(anonymous.headers['cache-control']).toBeUndefined();
  });

  it('tags the category tree, and a new category changes its ETag', async () => {
    const before = await fresh('/api/v1/categories');
    expect((await get('/api/v1/categories', { 'if-none-match': before.etag })).statusCode).toBe(
      304,
    );
    const name = `Tagged ${Date.now()}`;
    await createCategory(app, admin, name);
    const after = await get('/api/v1/categories', { 'if-none-match': before.etag });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(before.etag);
    expect(after.json().map((c: { name: string }) => c.name)).toContain(name);
  });

  /** An answer's headers but those that differ between any two answers. */
  const lasting = (headers: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(headers).filter(([name]) => !CHANGING.has(name)));

  it('answers a URL answered before from the cache before the controller: the same bytes and headers, and 304', async () => {
    const owner = await createMerchant(app);
    const product = await createProduct(app, owner, { title: 'Early tent' });
    const products = app.get(ProductsService);
    const categories = app.get(CategoriesService);
    const served = [
      jest.spyOn(products, 'list'),
      jest.spyOn(products, 'getPublic'),
      jest.spyOn(categories, 'tree'),
    ];
    const calls = () => served.reduce((n, spy) => n + spy.mock.calls.length, 0);
    try {
      for (const url of [
        `/api/v1/products?shop=${owner.shopId}&limit=5`,
        `/api/v1/products/${product.slug}`,
        '/api/v1/categories',
      ]) {
        const before = calls();
        const first = await get(url);
        expect(first.statusCode).toBe(200);
        expect(calls()).toBe(before + 1);

        const again = await get(url);
        const notModified = await get(url, { 'if-none-match': first.headers.etag as string });
        expect({ url, controller: calls() }).toEqual({ url, controller: before + 1 });
        expect(again.statusCode).toBe(200);
        expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
        expect(lasting(again.headers)).toEqual(lasting(first.headers));
        expect(again.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
        expect(notModified.statusCode).toBe(304);
        expect(notModified.body).toBe('');
        expect(notModified.headers.etag).toBe(first.headers.etag);
      }
    } finally {
      served.forEach((spy) => spy.mockRestore());
    }
  });

  it('sends a cached answer compressed to a client that accepts it, with its own ETag, and 304 for that ETag', async () => {
    const owner = await createMerchant(app);
    for (const title of ['Packed tent', 'Packed stove', 'Packed mat']) {
      await createProduct(app, owner, { title, description: `${title}: light and sturdy.` });
    }
    const url = `/api/v1/products?shop=${owner.shopId}`;
    const plain = await get(url);
    expect(plain.statusCode).toBe(200);
    expect(plain.rawPayload.length).toBeGreaterThan(1024);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/(^|, )Accept-Encoding$/);

    const decoders = { br: brotliDecompressSync, gzip: gunzipSync };
    const cases = [
      { accept: 'gzip, deflate, br, zstd', coding: 'br' as const },
      { accept: 'gzip', coding: 'gzip' as const },
      { accept: 'br;q=0, gzip;q=0.8', coding: 'gzip' as const },
      { accept: 'br;q=0.5, gzip', coding: 'gzip' as const },
    ];
    for (const { accept, coding } of cases) {
      // The first through the controller, the second from the cache before it: alike.
      const [first, again] = [
        await get(url, { 'accept-encoding': accept }),
        await get(url, { 'accept-encoding': accept }),
      ];
      for (const res of [first, again]) {
        expect({ accept, status: res.statusCode, coding: res.headers['content-encoding'] }).toEqual(
          { accept, status: 200, coding },
        );
        expect(res.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
        expect(decoders[coding](res.rawPayload).equals(plain.rawPayload)).toBe(true);
        expect(res.headers.etag).toBe(`${(plain.headers.etag as string).slice(0, -1)}-${coding}"`);
        expect(res.headers.vary).toBe(plain.headers.vary);
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      }
      const notModified = await get(url, {
        'accept-encoding': accept,
        'if-none-match': first.headers.etag as string,
      });
      expect(notModified.statusCode).toBe(304);
      expect(notModified.headers.etag).toBe(first.headers.etag);
      expect(notModified.headers.vary).toBe(plain.headers.vary);
      // Another form's tag does not match: the client gets the form it asked for.
      const other = await get(url, {
        'accept-encoding': accept,
        'if-none-match': plain.headers.etag as string,
      });
      expect(other.statusCode).toBe(200);
      expect(other.headers['content-encoding']).toBe(coding);
    }
    // Nothing this server can send but the bytes themselves.
    for (const accept of ['identity', 'deflate', 'br;q=0, gzip;q=0', '']) {
      const res = await get(url, { 'accept-encoding': accept });
      expect({ accept, coding: res.headers['content-encoding'] }).toEqual({
        accept,
        coding: undefined,
      });
      expect(res.rawPayload.equals(plain.rawPayload)).toBe(true);
      expect(res.headers.etag).toBe(plain.headers.etag);
    }
  });

  it('sends to the controller what the cache must not answer: a token, a new URL, bad input, a write', async () => {
    const owner = await createMerchant(app);
    const product = await createProduct(app, owner, { title: 'Guarded tent' });
    const url = `/api/v1/products?shop=${owner.shopId}`;
    const pageUrl = `/api/v1/products/${product.slug}`;
    expect((await get(url)).statusCode).toBe(200);
    expect((await get(pageUrl)).statusCode).toBe(200);
    const list = jest.spyOn(app.get(ProductsService), 'list');
    try {
      // A token is checked, and refused when bad, even for a URL the cache knows.
      expect((await get(url, { authorization: 'Bearer nonsense' })).statusCode).toBe(401);
      expect((await get(pageUrl, { authorization: 'Bearer nonsense' })).statusCode).toBe(401);
      // The owner sees the product as its owner (with its variants' stock settings).
      const own = await get(pageUrl, owner.auth);
      expect(own.statusCode).toBe(200);
      expect(own.headers.etag).toBeUndefined();
      // The same query spelt another way is a new URL: validated, then cached on its own.
      expect((await get(`${url}&limit=20`)).statusCode).toBe(200);
      expect(list).toHaveBeenCalledTimes(1);
      // Bad input is refused every time, and never stored.
      for (let i = 0; i < 2; i++) {
        const bad = await get(`${url}&limit=0`);
        expect(bad.statusCode).toBe(400);
        expect(bad.headers['content-type']).toContain('application/problem+json');
        expect((await get('/api/v1/products/no-such-product')).statusCode).toBe(404);
      }
      // A write: the next read of the known URL goes to the controller and shows it.
      expect((await rename(owner, product.id, 'Renamed tent')).statusCode).toBe(200);
      const after = await get(url);
      expect(after.json().items[0].title).toBe('Renamed tent');
      expect(list).toHaveBeenCalledTimes(2);
      expect((await get(pageUrl)).json().title).toBe('Renamed tent');
    } finally {
      list.mockRestore();
    }
  });

  it('answers no known URL older than a write completed on another instance', async () => {
    const owner = await createMerchant(app);
    const product = await createProduct(app, owner, { title: 'Shared tent' });
    const urls = [`/api/v1/products?shop=${owner.shopId}`, `/api/v1/products/${product.slug}`];
    for (const url of urls) expect((await get(url)).statusCode).toBe(200);
    const products = app.get(ProductsService);
    const served = [jest.spyOn(products, 'list'), jest.spyOn(products, 'getPublic')];
    try {
      // Known here: answered before the controller.
      for (const url of urls) expect((await get(url)).statusCode).toBe(200);
      expect(served.map((spy) => spy.mock.calls.length)).toEqual([0, 0]);
      // Renamed through the other instance, which bumps the version in Redis only.
      const renamed = await rename(owner, product.id, 'Renamed elsewhere', other);
      expect(renamed.statusCode).toBe(200);
      expect((await get(urls[0])).json().items[0].title).toBe('Renamed elsewhere');
      expect((await get(urls[1])).json().title).toBe('Renamed elsewhere');
      expect(served.map((spy) => spy.mock.calls.length)).toEqual([1, 1]);
    } finally {
      served.forEach((spy) => spy.mockRestore());
    }
  });

  it('sends a known URL to the controller again once its entry has outlived its time to live', async () => {
    const owner = await createMerchant(app);
    await createProduct(app, owner, { title: 'Aging tent' });
    const url = `/api/v1/products?shop=${owner.shopId}&sort=price`;
    expect((await get(url)).statusCode).toBe(200);
    const list = jest.spyOn(app.get(ProductsService), 'list');
    const realNow = Date.now.bind(Date);
    const now = jest.spyOn(Date, 'now');
    try {
      expect((await get(url)).statusCode).toBe(200);
      expect(list).toHaveBeenCalledTimes(0);
      now.mockImplementation(() => realNow() + 60_000);
      expect((await get(url)).json().items[0].title).toBe('Aging tent');
      expect(list).toHaveBeenCalledTimes(1);
    } finally {
      now.mockRestore();
      list.mockRestore();
    }
  });

  it('compresses a kept entry, and never an answer built for one request (cache off)', async () => {
    const large = { items: Array.from({ length: 60 }, (_, i) => ({ id: i, title: `Tent ${i}` })) };
    const load = () => Promise.resolve(large);
    const redis = app.get<Redis>(REDIS);
    const kept = await new CatalogCache(redis, { cacheTtlMs: 1000 }).readPublic('big', load);
    expect(representationFor(kept!, 'br').coding).toBe('br');
    const once = await new CatalogCache(redis, { cacheTtlMs: 0 }).readPublic('big', load);
    expect(once!.body.equals(kept!.body)).toBe(true);
    expect(representationFor(once!, 'br')).toBe(once);
  });

  it('keeps an entry reloaded unchanged after its time to live, and replaces a changed one', async () => {
    const cache = new CatalogCache(app.get<Redis>(REDIS), { cacheTtlMs: 1000 });
    const now = jest.spyOn(Date, 'now');
    try {
      let clock = Date.now();
      now.mockImplementation(() => clock);
      let loads = 0;
      const read = (value: object) =>
        cache.readPublic('kept', () => Promise.resolve({ ...value, n: ++loads && 'x' }));
      const first = await read({ title: 'Same' });
      clock += 1500;
      const reloaded = await read({ title: 'Same' });
      expect(loads).toBe(2);
      // The same stored answer (not an equal copy): a long-lived object is not made garbage.
      expect(reloaded).toBe(first);
      expect(await read({ title: 'Same' })).toBe(first);
      expect(loads).toBe(2);
      clock += 1500;
      const changed = await read({ title: 'Changed' });
      expect(loads).toBe(3);
      expect(changed!.etag).not.toBe(first!.etag);
      expect(JSON.parse(changed!.body.toString())).toEqual({ title: 'Changed', n: 'x' });
    } finally {
      now.mockRestore();
    }
  });

  it('reads the version once for the reads of one event-loop turn, and again for a read arriving after it was sent', async () => {
    const redis = app.get<Redis>(REDIS);
    const cache = new CatalogCache(redis, { cacheTtlMs: 1000 });
    await cache.read('warm', () => Promise.resolve(0));
    const gets = jest.spyOn(redis, 'get');
    try {
      const load = () => Promise.resolve({ title: 'Shared' });
      const together = Array.from({ length: 20 }, () => cache.read('turn', load));
      await Promise.all(together);
      expect(gets).toHaveBeenCalledTimes(1);

      // A read that arrives while a version read is on the wire waits for the next one.
      const first = cache.read('turn', load);
      for (let turn = 0; turn < 5 && gets.mock.calls.length < 2; turn++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(gets).toHaveBeenCalledTimes(2);
      const later = cache.read('turn', load);
      await Promise.all([first, later]);
      expect(gets).toHaveBeenCalledTimes(3);
    } finally {
      gets.mockRestore();
    }
  });

  it('shows a completed write to every read started after it, while other reads are in flight', async () => {
    const owner = await createMerchant(app);
    const product = await createProduct(app, owner, { title: 'Round 0' });
    const url = `/api/v1/products/${product.slug}`;
    let reading = true;
    // Readers that keep version reads in flight around each write.
    const background = Array.from({ length: 8 }, async () => {
      while (reading) await get(url);
    });
    try {
      for (let round = 1; round <= 5; round++) {
        expect((await rename(owner, product.id, `Round ${round}`)).statusCode).toBe(200);
        const seen = await Promise.all(Array.from({ length: 8 }, () => get(url)));
        expect(seen.map((r) => r.json().title)).toEqual(Array(8).fill(`Round ${round}`));
      }
    } finally {
      reading = false;
      await Promise.all(background);
    }
  });
});
