import SwaggerParser from '@apidevtools/swagger-parser';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeOpenApi } from '../src/openapi';
import { createMerchant, createProduct } from './support/catalog';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
}
interface Operation {
  operationId: string;
  tags: string[];
  summary?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { example?: Record<string, unknown> }> };
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { example?: { status?: number } }> }>;
}

describe('the OpenAPI document', () => {
  let app: NestFastifyApplication;
  let served: Record<string, unknown>;
  let operations: [string, Operation][];

  beforeAll(async () => {
    app = await createTestApp();
    const res = await app.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    served = res.json();
    const paths = served.paths as Record<string, Record<string, Operation>>;
    operations = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op]),
    ) as [string, Operation][];
  });
  afterAll(() => app.close());

  it('is a valid OpenAPI 3 document with bearer auth', async () => {
    expect(served.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(served) as never)).resolves.toBeDefined();
    expect(served).toHaveProperty('components.securitySchemes.bearer.scheme', 'bearer');
  });

  it('matches the committed openapi.json (run `npm run openapi` after changing routes)', () => {
    const committed = readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8');
    expect(serializeOpenApi(served)).toBe(committed);
  });

  it('describes every API operation, its body errors and its problem answers', () => {
    const gaps: string[] = [];
    for (const [where, op] of operations) {
      if (!where.includes(' /api/v1/')) continue;
      const responses = op.responses;
      if (!op.summary?.length) gaps.push(`${where}: no summary`);
      if (op.requestBody && !responses['400']) gaps.push(`${where}: body without a 400`);
      if (!Object.keys(responses).some((s) => Number(s) < 300)) gaps.push(`${where}: no 2xx`);
      if (!responses['503']) gaps.push(`${where}: no 503`);
      const secured = op.security?.some((requirement) => 'bearer' in requirement);
      if (secured && !responses['401']) gaps.push(`${where}: secured without a 401`);
      if (/ \/api\/v1\/(admin|merchant)\//.test(where) && !responses['403'])
        gaps.push(`${where}: role-restricted without a 403`);
      for (const [status, answer] of Object.entries(responses)) {
        if (Number(status) < 400) continue;
        const example = answer.content?.['application/problem+json']?.example;
        if (example?.status !== Number(status))
          gaps.push(`${where}: ${status} without a problem example of that status`);
      }
    }
    expect(gaps).toEqual([]);
  });

  it('declares each parameter once (header names case-insensitively)', () => {
    const duplicates: string[] = [];
    for (const [where, op] of operations) {
      const seen = new Set<string>();
      for (const p of op.parameters ?? []) {
        const key = `${p.in}:${p.in === 'header' ? p.name.toLowerCase() : p.name}`;
        if (seen.has(key)) duplicates.push(`${where}: ${key}`);
        seen.add(key);
      }
    }
    expect(duplicates).toEqual([]);
  });

  it('names operations as a generated client wants them, and orders tags for a reader', () => {
    const ids = operations.map(([, op]) => op.operationId);
    expect(ids.filter((id) => !/^[a-z][A-Za-z]+$/.test(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    const byRoute = Object.fromEntries(operations.map(([where, op]) => [where, op.operationId]));
    expect(byRoute).toMatchObject({
      'GET /api/v1/products': 'listProducts',
      'POST /api/v1/checkout': 'placeOrder',
      'POST /api/v1/auth/login': 'login',
      'POST /api/v1/cart/items': 'addCartItem',
    });
    const tags = (served.tags as { name: string }[]).map((tag) => tag.name);
    const expected = ['auth', 'catalog', 'cart', 'checkout', 'orders', 'merchant', 'admin'];
    expect(tags.filter((tag) => expected.includes(tag))).toEqual(expected);
    expect(tags.at(-1)).toBe('operations');
  });

  it('lets guests use the cart routes (bearer optional) and shows a login body that works', async () => {
    for (const [where, op] of operations.filter(([w]) => w.includes(' /api/v1/cart'))) {
      expect([where, op.security]).toEqual([where, [{}, { bearer: [] }]]);
    }
    const [, login] = operations.find(([where]) => where === 'POST /admin/queues/login')!;
    const example = login.requestBody!.content['application/json'].example!;
    expect(example).not.toHaveProperty('accessToken');
    const res = await app.inject({ method: 'POST', url: '/admin/queues/login', payload: example });
    // The demo admin exists only where seeded; the body itself is valid either way.
    expect([204, 401]).toContain(res.statusCode);
  });

  describe('the header parameters mean what they say', () => {
    let customer: TestUser;
    let variantId: string;

    beforeAll(async () => {
      customer = await createUser(app);
      const merchant = await createMerchant(app);
      variantId = (await createProduct(app, merchant)).variants[0].id;
    });

    /** A request each route with a header parameter accepts once that header is left out. */
    const requests = (): Record<string, InjectOptions> => ({
      'POST /api/v1/auth/register': {
        payload: {
          email: `h-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`,
          password: 'a-long-enough-passphrase-9',
          name: 'Header Test',
        },
      },
      'POST /api/v1/auth/login': {
        payload: { email: customer.email, password: customer.password },
      },
      'GET /api/v1/cart': {},
      'POST /api/v1/cart/items': { payload: { variantId, quantity: 1 } },
      'PATCH /api/v1/cart/items/{variantId}': {
        url: `/api/v1/cart/items/${variantId}`,
        headers: customer.auth,
        payload: { quantity: 2 },
      },
      'DELETE /api/v1/cart/items/{variantId}': { url: `/api/v1/cart/items/${variantId}` },
      'DELETE /api/v1/cart': {},
      'POST /api/v1/checkout': { headers: customer.auth, payload: {} },
    });

    it('answers without every optional header, and 400 without a required one', async () => {
      const table = requests();
      const checked: string[] = [];
      for (const [where, op] of operations) {
        const headers = (op.parameters ?? []).filter((p) => p.in === 'header');
        if (!headers.length) continue;
        const request = table[where];
        expect([where, request !== undefined]).toEqual([where, true]);
        const [method, path] = where.split(' ');
        if (where === 'PATCH /api/v1/cart/items/{variantId}') {
          await app.inject({
            method: 'POST',
            url: '/api/v1/cart/items',
            headers: customer.auth,
            payload: { variantId, quantity: 1 },
          });
        }
        const res = await app.inject({
          method: method as InjectOptions['method'],
          url: path,
          ...request,
        });
        const required = headers.filter((p) => p.required).map((p) => p.name);
        if (required.length) {
          expect([where, res.statusCode]).toEqual([where, 400]);
          for (const name of required) expect(res.json().detail).toContain(name);
        } else {
          expect([where, res.statusCode, res.statusCode < 300]).toEqual([
            where,
            res.statusCode,
            true,
          ]);
        }
        checked.push(where);
      }
      expect(checked).toEqual(expect.arrayContaining(['POST /api/v1/auth/login']));
      expect(checked).toEqual(expect.arrayContaining(['POST /api/v1/checkout']));
    });
  });
});
