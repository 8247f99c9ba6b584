import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { Client } from 'pg';
import { createCategory, createMerchant, createProduct, uniqueSku } from './support/catalog';
import sharp from 'sharp';
import { multipartFile, TINY_PNG } from './support/multipart';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

type Merchant = Awaited<ReturnType<typeof createMerchant>>;

describe('catalog', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let admin: TestUser;
  let customer: TestUser;
  let merchantA: Merchant;
  let merchantB: Merchant;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    admin = await createUser(app, 'admin');
    customer = await createUser(app, 'customer');
    merchantA = await createMerchant(app);
    merchantB = await createMerchant(app);
  });
  afterAll(() => app.close());

  const get = (url: string, headers?: Record<string, string>) =>
    app.inject({ method: 'GET', url, headers });
  const list = async (query: string) => {
    const res = await get(`/api/v1/products?${query}`);
    expect(res.statusCode).toBe(200);
    return res.json<{ items: { id: string; title: string }[]; nextCursor: string | null }>();
  };
  const titles = async (query: string) => (await list(query)).items.map((p) => p.title);

  describe('shops', () => {
    it('creates the merchant’s shop once, keeps its slug on rename, and shows it publicly', async () => {
      const merchant = await createUser(app, 'merchant');
      const put = (name: string) =>
        app.inject({
          method: 'PUT',
          url: '/api/v1/merchant/shop',
          headers: merchant.auth,
          payload: { name, description: 'Tents and stoves' },
        });
      const first = await put('Peak Outfitters');
      expect(first.statusCode).toBe(200);
      const second = await put('Peak Outfitters Ltd');
      expect(second.json()).toMatchObject({
        id: first.json().id,
        slug: first.json().slug,
        name: 'Peak Outfitters Ltd',
      });
      const shown = await get(`/api/v1/shops/${first.json().slug}`);
      expect(shown.statusCode).toBe(200);
      expect(shown.json()).toEqual(second.json());
      expect((await get('/api/v1/shops/no-such-shop')).statusCode).toBe(404);
    });

    it('asks a merchant without a shop to create one before adding products (422)', async () => {
      const merchant = await createUser(app, 'merchant');
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/products',
        headers: merchant.auth,
        payload: { title: 'Nope', variants: [{ sku: uniqueSku(), price: 1, stock: 1 }] },
      });
      expect(res.statusCode).toBe(422);
    });
  });

  describe('categories', () => {
    it('returns the tree in one query and refuses to delete a category in use (409)', async () => {
      const root = await createCategory(app, admin, 'Outdoor');
      const child = await createCategory(app, admin, 'Tents', root.id);
      const spy = jest.spyOn(Client.prototype, 'query');
      const tree = await get('/api/v1/categories');
      const queries = spy.mock.calls.length;
      spy.mockRestore();
      expect(queries).toBe(1);
      const node = tree
        .json<{ id: string; children: { id: string }[] }[]>()
        .find((n) => n.id === root.id);
      expect(node?.children.map((c) => c.id)).toEqual([child.id]);

      const del = (id: string) =>
        app.inject({
          method: 'DELETE',
          url: `/api/v1/admin/categories/${id}`,
          headers: admin.auth,
        });
      expect((await del(root.id)).statusCode).toBe(409);
      await createProduct(app, merchantA, { categoryId: child.id });
      expect((await del(child.id)).statusCode).toBe(409);
      const empty = await createCategory(app, admin, 'Empty');
      expect((await del(empty.id)).statusCode).toBe(204);
      expect((await del(empty.id)).statusCode).toBe(404);
    });

    it('refuses to move a category under its own descendant (400)', async () => {
      const root = await createCategory(app, admin, 'Cycle root');
      const child = await createCategory(app, admin, 'Cycle child', root.id);
      const res = await app.inject({
        method: 'PATCH',
        url: `/api/v1/admin/categories/${root.id}`,
        headers: admin.auth,
        payload: { parentId: child.id },
      });
      expect(res.statusCode).toBe(400);
      const bad = await app.inject({
        method: 'PATCH',
        url: '/api/v1/admin/categories/not-a-uuid',
        headers: admin.auth,
        payload: { name: 'x' },
      });
      expect(bad.statusCode).toBe(400);
    });
  });

  describe('products', () => {
    it('creates a product with variants, initial stock as a movement, and a stable slug', async () => {
      const sku = uniqueSku('TENT');
      const product = await createProduct(app, merchantA, {
        title: 'Stable Slug Tent',
        attributes: { material: 'nylon' },
        variants: [
          { sku, price: 12999, stock: 4, options: { size: 'M' } },
          { price: 9999, stock: 0, options: { size: 'S' } },
        ],
      });
      expect(product).toMatchObject({
        title: 'Stable Slug Tent',
        status: 'published',
        attributes: { material: 'nylon' },
        shop: { id: merchantA.shopId },
        rating: { average: 0, count: 0 },
        priceRange: { min: 9999, max: 12999 },
      });
      expect(product.variants[0]).toMatchObject({
        sku,
        stock: 4,
        inStock: true,
        options: { size: 'M' },
      });
      expect(product.variants[1]).toMatchObject({ stock: 0, inStock: false });
      const movements = await db.query(
        `SELECT delta, reason, resulting_stock FROM stock_movements WHERE variant_id = $1`,
        [product.variants[0].id],
      );
      expect(movements).toEqual([{ delta: 4, reason: 'adjustment', resulting_stock: 4 }]);

      const renamed = await app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${product.id}`,
        headers: merchantA.auth,
        payload: { title: 'Renamed Tent' },
      });
      expect(renamed.json()).toMatchObject({ title: 'Renamed Tent', slug: product.slug });
      const bySlug = await get(`/api/v1/products/${product.slug}`);
      expect(bySlug.json().id).toBe(product.id);
      const second = await createProduct(app, merchantA, { title: 'Stable Slug Tent' });
      expect(second.slug).not.toBe(product.slug);
    });

    it('refuses invalid products with 400/409 and creates nothing', async () => {
      const before = await db.query(`SELECT count(*)::int AS n FROM products`);
      const post = (payload: Record<string, unknown>) =>
        app.inject({ method: 'POST', url: '/api/v1/products', headers: merchantA.auth, payload });
      const sku = uniqueSku();
      await createProduct(app, merchantA, { variants: [{ sku, price: 1, stock: 1 }] });

      const negative = await post({
        title: 'x',
        variants: [{ sku: uniqueSku(), price: -1, stock: 1 }],
      });
      expect(negative.statusCode).toBe(400);
      expect(negative.json().errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'variants.0.price' })]),
      );
      expect((await post({ title: 'x', variants: [] })).statusCode).toBe(400);
      expect((await post({ title: 'x' })).statusCode).toBe(400);
      const dup = await post({ title: 'x', variants: [{ sku, price: 1, stock: 1 }] });
      expect(dup.statusCode).toBe(409);
      const twice = uniqueSku();
      const dupInBody = await post({
        title: 'x',
        variants: [
          { sku: twice, price: 1, stock: 1 },
          { sku: twice, price: 2, stock: 1 },
        ],
      });
      expect(dupInBody.statusCode).toBe(409);
      const unknownCategory = await post({
        title: 'x',
        categoryId: '00000000-0000-4000-8000-000000000000',
        variants: [{ sku: uniqueSku(), price: 1, stock: 1 }],
      });
      expect(unknownCategory.statusCode).toBe(400);
      expect(unknownCategory.json().errors).toEqual([
        { field: 'categoryId', message: 'unknown category' },
      ]);
      // The second variant's SKU is taken: the first one must not survive either.
      const half = uniqueSku();
      const partial = await post({
        title: 'x',
        variants: [
          { sku: half, price: 1, stock: 3 },
          { sku, price: 1, stock: 1 },
        ],
      });
      expect(partial.statusCode).toBe(409);
      const after = await db.query(`SELECT count(*)::int AS n FROM products`);
      expect(after[0].n).toBe(before[0].n + 1);
      expect(await db.query(`SELECT 1 FROM product_variants WHERE sku = $1`, [half])).toEqual([]);
    });

    it('keeps drafts invisible to the public and other merchants, visible to owner and admin', async () => {
      const draft = await createProduct(app, merchantA, { status: 'draft', title: 'Secret draft' });
      expect((await get(`/api/v1/products/${draft.id}`)).statusCode).toBe(404);
      expect((await get(`/api/v1/products/${draft.slug}`)).statusCode).toBe(404);
      expect((await get(`/api/v1/products/${draft.id}`, merchantB.auth)).statusCode).toBe(404);
      expect((await get(`/api/v1/products/${draft.id}`, customer.auth)).statusCode).toBe(404);
      expect((await get(`/api/v1/products/${draft.id}`, merchantA.auth)).statusCode).toBe(200);
      expect((await get(`/api/v1/products/${draft.id}`, admin.auth)).statusCode).toBe(200);
      expect(await titles(`shop=${merchantA.shopId}&limit=100`)).not.toContain('Secret draft');
      expect((await get('/api/v1/products/%2E%2E%2Fetc')).statusCode).toBe(404);
    });

    it('lists a merchant’s own products in every state, and only theirs', async () => {
      const owner = await createMerchant(app);
      await createProduct(app, owner, { title: 'Mine published' });
      await createProduct(app, owner, { title: 'Mine draft', status: 'draft' });
      const mine = (query = '') =>
        get(`/api/v1/merchant/products?sort=newest${query}`, owner.auth).then((r) =>
          r.json<{ items: { title: string }[] }>().items.map((p) => p.title),
        );
      expect(await mine()).toEqual(['Mine draft', 'Mine published']);
      expect(await mine('&status=draft')).toEqual(['Mine draft']);
      const other = await get('/api/v1/merchant/products', merchantB.auth);
      expect(other.json().items.map((p: { title: string }) => p.title)).not.toContain('Mine draft');
      expect((await get('/api/v1/merchant/products?status=deleted', owner.auth)).statusCode).toBe(
        400,
      );
    });

    it('archives on DELETE: gone from the public catalog', async () => {
      const product = await createProduct(app, merchantA);
      const res = await app.inject({
        method: 'DELETE',
        url: `/api/v1/products/${product.id}`,
        headers: merchantA.auth,
      });
      expect(res.json().status).toBe('archived');
      expect((await get(`/api/v1/products/${product.id}`)).statusCode).toBe(404);
    });

    it('lets neither another merchant edit the product nor its stock; admins may', async () => {
      const product = await createProduct(app, merchantA, { title: 'Owned by A' });
      const variantId = product.variants[0].id;
      const patch = await app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${product.id}`,
        headers: merchantB.auth,
        payload: { title: 'Stolen' },
      });
      expect(patch.statusCode).toBe(403);
      const variantPatch = await app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${product.id}/variants/${variantId}`,
        headers: merchantB.auth,
        payload: { price: 1 },
      });
      expect(variantPatch.statusCode).toBe(403);
      const stock = await app.inject({
        method: 'POST',
        url: '/api/v1/inventory/adjustments',
        headers: merchantB.auth,
        payload: { variantId, delta: -5, reason: 'adjustment' },
      });
      expect(stock.statusCode).toBe(404);
      const fresh = (await get(`/api/v1/products/${product.id}`)).json();
      expect(fresh).toMatchObject({ title: 'Owned by A' });
      expect(fresh.variants[0]).toMatchObject({ price: 1000, stock: 10 });

      const byAdmin = await app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${product.id}`,
        headers: admin.auth,
        payload: { title: 'Fixed by admin' },
      });
      expect(byAdmin.json().title).toBe('Fixed by admin');
    });

    it('adds and updates variants but refuses stock on a variant PATCH', async () => {
      const product = await createProduct(app, merchantA);
      const added = await app.inject({
        method: 'POST',
        url: `/api/v1/products/${product.id}/variants`,
        headers: merchantA.auth,
        payload: { sku: uniqueSku(), price: 500, stock: 2, options: { colour: 'red' } },
      });
      expect(added.statusCode).toBe(201);
      expect(added.json()).toMatchObject({ price: 500, stock: 2, archived: false });
      const url = `/api/v1/products/${product.id}/variants/${added.json().id}`;
      const stock = await app.inject({
        method: 'PATCH',
        url,
        headers: merchantA.auth,
        payload: { stock: 100 },
      });
      expect(stock.statusCode).toBe(400);
      const price = await app.inject({
        method: 'PATCH',
        url,
        headers: merchantA.auth,
        payload: { price: 250 },
      });
      expect(price.json()).toMatchObject({ price: 250, stock: 2 });
      const shown = (await get(`/api/v1/products/${product.id}`)).json();
      expect(shown.priceRange).toEqual({ min: 250, max: 1000 });
    });
  });

  describe('images and variant rules', () => {
    it('adds up to 8 images, served under /uploads, and refuses the ninth (422)', async () => {
      const product = await createProduct(app, merchantA);
      const upload = (user: { auth: Record<string, string> }) => {
        const body = multipartFile(TINY_PNG);
        return app.inject({
          method: 'POST',
          url: `/api/v1/products/${product.id}/images`,
          headers: { ...user.auth, ...body.headers },
          payload: body.payload,
        });
      };
      expect((await upload(merchantB)).statusCode).toBe(403);
      let last = await upload(merchantA);
      expect(last.statusCode).toBe(201);
      const [url] = last.json().images as string[];
      expect(url).toMatch(/^\/uploads\/products\/[0-9a-f-]{36}\.png$/);
      expect((await get(url)).statusCode).toBe(200);
      for (let i = 1; i < 8; i++) last = await upload(merchantA);
      expect(last.json().images).toHaveLength(8);
      const ninth = await upload(merchantA);
      expect(ninth.statusCode).toBe(422);
      expect((await get(`/api/v1/products/${product.id}`)).json().images).toHaveLength(8);
    });

    it('re-encodes a product image to at most 2000 px with a 400 px thumbnail', async () => {
      const product = await createProduct(app, merchantA);
      const wide = await sharp({
        create: { width: 3000, height: 1500, channels: 3, background: '#08f' },
      })
        .jpeg()
        .toBuffer();
      const body = multipartFile(wide, 'wide.jpg', 'image/jpeg');
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/products/${product.id}/images`,
        headers: { ...merchantA.auth, ...body.headers },
        payload: body.payload,
      });
      expect(res.statusCode).toBe(201);
      const [url] = res.json().images as string[];
      const [thumb] = res.json().thumbnails as string[];
      const full = await get(url);
      expect(full.headers['content-type']).toBe('image/jpeg');
      expect(await sharp(full.rawPayload).metadata()).toMatchObject({ width: 2000, height: 1000 });
      const small = await get(thumb);
      expect(await sharp(small.rawPayload).metadata()).toMatchObject({ width: 400, height: 200 });
    });

    it('refuses nested option values (400) and a SKU rename to a taken SKU (409)', async () => {
      const taken = uniqueSku();
      await createProduct(app, merchantA, { variants: [{ sku: taken, price: 1, stock: 1 }] });
      const product = await createProduct(app, merchantA);
      const bad = await app.inject({
        method: 'POST',
        url: `/api/v1/products/${product.id}/variants`,
        headers: merchantA.auth,
        payload: { sku: uniqueSku(), price: 1, stock: 0, options: { size: { nested: true } } },
      });
      expect(bad.statusCode).toBe(400);
      const rename = await app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${product.id}/variants/${product.variants[0].id}`,
        headers: merchantA.auth,
        payload: { sku: taken },
      });
      expect(rename.statusCode).toBe(409);
      const lastLive = await app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${product.id}/variants/${product.variants[0].id}`,
        headers: merchantA.auth,
        payload: { archived: true },
      });
      expect(lastLive.statusCode).toBe(422);
    });
  });

  describe('listing', () => {
    let shop: Merchant;
    let root: { id: string; slug: string };
    let leaf: { id: string; slug: string };

    beforeAll(async () => {
      shop = await createMerchant(app);
      root = await createCategory(app, admin, 'Listing root');
      const mid = await createCategory(app, admin, 'Listing mid', root.id);
      leaf = await createCategory(app, admin, 'Listing leaf', mid.id);
      const other = await createCategory(app, admin, 'Listing other');
      await createProduct(app, shop, {
        title: 'Alpine tent for two',
        description: 'Light and strong.',
        categoryId: leaf.id,
        variants: [{ price: 30000, stock: 3 }],
      });
      await createProduct(app, shop, {
        title: 'Camping stove',
        description: 'Boils water fast, fits beside any tent in the vestibule.',
        categoryId: root.id,
        variants: [{ price: 5000, stock: 0 }],
      });
      await createProduct(app, shop, {
        title: 'Sleeping bag',
        description: 'Warm down filling.',
        categoryId: other.id,
        variants: [
          { price: 12000, stock: 1 },
          { price: 15000, stock: 0 },
        ],
      });
      await createProduct(app, shop, {
        title: 'Hidden tent draft',
        status: 'draft',
        variants: [{ price: 1, stock: 1 }],
      });
    });

    it('ranks title matches above description matches and leaves drafts out', async () => {
      expect(await titles(`shop=${shop.shopId}&q=tent`)).toEqual([
        'Alpine tent for two',
        'Camping stove',
      ]);
      expect(await titles(`shop=${shop.shopId}&q=tents`)).toEqual([
        'Alpine tent for two',
        'Camping stove',
      ]);
      expect(await titles(`shop=${shop.shopId}&q=kayak`)).toEqual([]);
    });

    it('filters by category including descendants, price range, stock and shop', async () => {
      expect((await titles(`shop=${shop.shopId}&category=${root.id}`)).sort()).toEqual([
        'Alpine tent for two',
        'Camping stove',
      ]);
      expect(await titles(`category=${leaf.id}`)).toEqual(['Alpine tent for two']);
      expect(await titles(`shop=${shop.shopId}&minPrice=13000&maxPrice=20000`)).toEqual([
        'Sleeping bag',
      ]);
      expect((await titles(`shop=${shop.shopId}&inStock=true`)).sort()).toEqual([
        'Alpine tent for two',
        'Sleeping bag',
      ]);
      expect(await titles(`shop=${merchantB.shopId}`)).not.toContain('Sleeping bag');
    });

    it('takes a slug as well as an id for the category and shop filters', async () => {
      const byId = (await titles(`shop=${shop.shopId}&category=${root.id}`)).sort();
      expect(byId).toEqual(['Alpine tent for two', 'Camping stove']);
      expect((await titles(`shop=${shop.shopSlug}&category=${root.slug}`)).sort()).toEqual(byId);
      expect((await titles(`shop=${shop.shopId}&category=${root.slug}`)).sort()).toEqual(byId);
      expect(await titles(`category=${leaf.slug}`)).toEqual(['Alpine tent for two']);
      expect((await titles(`shop=${shop.shopSlug}&inStock=true`)).sort()).toEqual([
        'Alpine tent for two',
        'Sleeping bag',
      ]);
      // A slug that names nothing is an empty page, as an unknown id is.
      for (const filter of ['category', 'shop']) {
        for (const unknown of ['no-such-thing', '00000000-0000-4000-8000-000000000000']) {
          const res = await app.inject({ url: `/api/v1/products?${filter}=${unknown}` });
          expect(res.statusCode).toBe(200);
          expect(res.json()).toEqual({ items: [], nextCursor: null });
        }
      }
    });

    it('refuses a category or shop filter that is neither an id nor a slug (400)', async () => {
      for (const filter of ['category', 'shop']) {
        for (const bad of ['Not A Slug', 'a--b', '-a', 'x'.repeat(161), "a'b", '%20']) {
          const res = await app.inject({
            url: `/api/v1/products?${filter}=${encodeURIComponent(bad)}`,
          });
          expect(res.statusCode).toBe(400);
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(JSON.stringify(res.json().errors)).toContain(filter);
        }
      }
    });

    it('sorts by newest, price, -price and rating', async () => {
      expect(await titles(`shop=${shop.shopId}&sort=newest`)).toEqual([
        'Sleeping bag',
        'Camping stove',
        'Alpine tent for two',
      ]);
      expect(await titles(`shop=${shop.shopId}&sort=price`)).toEqual([
        'Camping stove',
        'Sleeping bag',
        'Alpine tent for two',
      ]);
      expect(await titles(`shop=${shop.shopId}&sort=-price`)).toEqual([
        'Alpine tent for two',
        'Sleeping bag',
        'Camping stove',
      ]);
      // Fixture: ratings as the reviews service would have accumulated them.
      await db.query(
        `UPDATE products SET rating_sum = CASE title WHEN 'Camping stove' THEN 9 ELSE 4 END,
                             rating_count = 2 WHERE shop_id = $1`,
        [shop.shopId],
      );
      const rated = await titles(`shop=${shop.shopId}&sort=rating`);
      expect(rated[0]).toBe('Camping stove');
    });

    it('shows a write at once although listings and products are cached', async () => {
      const owner = await createMerchant(app);
      const product = await createProduct(app, owner, { title: 'Cached title' });
      const url = `shop=${owner.shopId}`;
      expect(await titles(url)).toEqual(['Cached title']);
      expect((await get(`/api/v1/products/${product.slug}`)).json().title).toBe('Cached title');
      await app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${product.id}`,
        headers: owner.auth,
        payload: { title: 'Fresh title' },
      });
      expect(await titles(url)).toEqual(['Fresh title']);
      expect((await get(`/api/v1/products/${product.slug}`)).json().title).toBe('Fresh title');
      await app.inject({
        method: 'PATCH',
        url: `/api/v1/products/${product.id}`,
        headers: owner.auth,
        payload: { status: 'draft' },
      });
      expect(await titles(url)).toEqual([]);
      expect((await get(`/api/v1/products/${product.slug}`)).statusCode).toBe(404);
    });

    it('refuses bad filters with 400', async () => {
      for (const query of [
        'cursor=garbage',
        'minPrice=-1',
        'sort=cheapest',
        // Neither an id nor a slug (a slug such as `not-a-uuid` or `1` is valid since issue 12).
        'category=Not%20a%20slug',
        'shop=a--b',
        'limit=0',
        'limit=101',
        'inStock=maybe',
        'unknown=1',
      ]) {
        const res = await get(`/api/v1/products?${query}`);
        expect([query, res.statusCode]).toEqual([query, 400]);
      }
      const newest = await list(`shop=${shop.shopId}&limit=1&sort=newest`);
      const wrongSort = await get(`/api/v1/products?sort=price&cursor=${newest.nextCursor}`);
      expect(wrongSort.statusCode).toBe(400);
    });

    it.each(['newest', 'price', '-price', 'relevance'])(
      'pages by %s without duplicates or gaps while products are added between pages',
      async (sort) => {
        const paging = await createMerchant(app);
        const original: string[] = [];
        for (let i = 0; i < 7; i++) {
          const p = await createProduct(app, paging, {
            title: `Paging ${sort} ${i}`,
            // Different ranks (and ties) for the relevance order.
            description: 'paging '.repeat(i % 4),
            variants: [{ price: 100 * ((i * 3) % 7) + 50, stock: 1 }],
          });
          original.push(p.id);
        }
        const seen: string[] = [];
        let cursor: string | null = null;
        let page = 0;
        do {
          const q = sort === 'relevance' ? '&q=paging' : '';
          const query: string = `shop=${paging.shopId}&sort=${sort}${q}&limit=3${cursor ? `&cursor=${cursor}` : ''}`;
          const body = await list(query);
          seen.push(...body.items.map((p) => p.id));
          cursor = body.nextCursor;
          if (page++ === 0) {
            // Rows before, between and after the first page's keys.
            for (const [k, price] of [10, 360, 5000].entries()) {
              await createProduct(app, paging, {
                title: 'Paging extra',
                description: 'paging '.repeat(k * 2),
                variants: [{ price, stock: 1 }],
              });
            }
          }
        } while (cursor && page < 10);
        expect(new Set(seen).size).toBe(seen.length);
        for (const id of original) expect(seen).toContain(id);
      },
    );

    it('costs the same number of queries at limit 5 and limit 50 (no N+1)', async () => {
      const count = async (limit: number) => {
        const spy = jest.spyOn(Client.prototype, 'query');
        const res = await get(`/api/v1/products?limit=${limit}&q=tent&category=${root.id}`);
        const all = await get(`/api/v1/products?limit=${limit}`);
        const n = spy.mock.calls.length;
        spy.mockRestore();
        expect([res.statusCode, all.statusCode]).toEqual([200, 200]);
        expect(all.json().items.length).toBeGreaterThan(Math.min(limit, 5) - 1);
        return n;
      };
      const small = await count(5);
      const large = await count(50);
      expect(small).toBe(2);
      expect(large).toBe(small);
    });
  });
});
