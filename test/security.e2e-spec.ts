import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { encodeCursor } from '../src/common/pagination/cursor';
import { createMerchant, createProduct } from './support/catalog';
import { createTestApp } from './support/test-app';
import { createUser, TestUser, uniqueEmail } from './support/users';

const PROBLEM = 'application/problem+json';

/** Findings of the security review (issue 11): input that reached a 500, sessions that lived on. */
describe('security hardening', () => {
  let app: NestFastifyApplication;
  let db: DataSource;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
  });
  afterAll(() => app.close());

  const count = async (table: string) =>
    Number((await db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n);

  function expectFieldProblem(
    res: { statusCode: number; headers: object; json(): { errors: { field: string }[] } },
    field: string,
  ) {
    expect(res.statusCode).toBe(400);
    expect((res.headers as Record<string, string>)['content-type']).toContain(PROBLEM);
    expect(res.json().errors.map((e) => e.field)).toContain(field);
  }

  describe('control and bidi characters in text', () => {
    let customer: TestUser;
    let merchant: TestUser;
    beforeAll(async () => {
      customer = await createUser(app);
      merchant = await createMerchant(app);
    });

    it('refuses a NUL byte in the search query with a 400 naming q', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/products?q=a%00b' });
      expectFieldProblem(res, 'q');
    });

    it('refuses NUL and other C0 controls in names and addresses, changing nothing', async () => {
      for (const payload of [
        { name: 'Ann\u0000' },
        { name: 'Ann\u0007Bell' },
        { address: { line1: 'x\u0000', city: 'Paris', postalCode: '75001', country: 'FR' } },
      ]) {
        const res = await app.inject({
          method: 'PATCH',
          url: '/api/v1/users/me',
          headers: customer.auth,
          payload,
        });
        expectFieldProblem(res, 'name' in payload ? 'name' : 'address.line1');
      }
      const me = await app.inject({
        method: 'GET',
        url: '/api/v1/users/me',
        headers: customer.auth,
      });
      expect(me.json().name).toBe('Test customer');
    });

    it('refuses bidirectional overrides in a product title and a NUL in a description', async () => {
      const before = await count('products');
      for (const [payload, field] of [
        [{ title: 'Cheap \u202Egnp.exe' }, 'title'],
        [{ title: 'Fine', description: 'nul\u0000here' }, 'description'],
        [{ title: 'Isolate \u2066x\u2069' }, 'title'],
      ] as const) {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/products',
          headers: merchant.auth,
          payload: { ...payload, variants: [{ sku: `S-${Date.now()}`, price: 100, stock: 1 }] },
        });
        expectFieldProblem(res, field);
      }
      expect(await count('products')).toBe(before);
    });

    it('keeps tabs and newlines in free text', async () => {
      const product = await createProduct(app, merchant, { description: 'line one\n\tline two' });
      expect(product.description).toBe('line one\n\tline two');
    });
  });

  describe('integer bounds', () => {
    it.each(['minPrice', 'maxPrice'])(
      'refuses %s beyond the column range with a 400',
      async (f) => {
        const res = await app.inject({ method: 'GET', url: `/api/v1/products?${f}=2147483648` });
        expectFieldProblem(res, f);
      },
    );

    it('refuses a limit or quantity beyond 2^31 with a 400', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/products?limit=99999999999' });
      expectFieldProblem(res, 'limit');
    });
  });

  describe('cursors', () => {
    const product = { id: '00000000-0000-4000-8000-000000000000' };
    it.each([
      ['price', 'abc'],
      ['-price', '1e999'],
      ['price', '99999999999'],
      ['newest', 'not a time'],
      ['rating', 'NaN'],
    ])('refuses a %s cursor holding %p with a 400', async (sort, v) => {
      const cursor = encodeCursor({ s: sort, v, id: product.id });
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/products?sort=${encodeURIComponent(sort)}&cursor=${cursor}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain(PROBLEM);
    });

    it('refuses a review-page cursor that is not a timestamp with a 400', async () => {
      const merchant = await createMerchant(app);
      const p = await createProduct(app, merchant);
      const cursor = encodeCursor({ s: 'reviews', v: 'yesterday', id: product.id });
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/products/${p.id}/reviews?cursor=${cursor}`,
      });
      expect(res.statusCode).toBe(400);
    });
  });

  describe('deeply nested JSON', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

    it('refuses a body nested deeper than 32 levels with a 400 on a public route', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        headers: { 'content-type': 'application/json' },
        payload: `{"refreshToken":${nested(100_000)}}`,
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain(PROBLEM);
    });

    it('refuses deep objects too, but not brackets inside strings', async () => {
      const deep = '{"a":'.repeat(40) + '1' + '}'.repeat(40);
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: deep,
      });
      expect(res.statusCode).toBe(400);
      const inString = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email: uniqueEmail(), password: '['.repeat(100) + '\\"{' }),
      });
      expect(inString.statusCode).toBe(401);
    });
  });
});
