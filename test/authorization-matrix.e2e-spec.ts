import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions } from 'light-my-request';
import { API_PREFIX, UNPREFIXED_ROUTES } from '../src/http';
import type { Role } from '../src/common/auth/role';
import { createCategory, createMerchant, createProduct, uniqueSku } from './support/catalog';
import { multipartFile, TINY_PNG } from './support/multipart';
import { insertOrder } from './support/orders-fixture';
import { createTestApp } from './support/test-app';
import { createUser, TestUser, uniqueEmail } from './support/users';

/**
 * Walks every route of the app as anonymous, customer, merchant and admin. A route missing
 * from ROUTES fails the suite: add one entry per new route (later issues do).
 */
type Who = 'anonymous' | Role;
/** 'ok' = anything but 401/403 (and never a 5xx); 401/403 = refused with that status. */
type Outcome = 'ok' | 401 | 403;
type Access = Record<Who, Outcome>;

interface CatalogFixture {
  /** A published product of another merchant, with one variant. */
  productId: string;
  variantId: string;
  categoryId: string;
  shopSlug: string;
}

interface Ctx {
  /** The caller (undefined for anonymous); a fresh user for every call. */
  caller?: TestUser;
  /** Another fresh customer to act upon (created on first use). */
  target(): Promise<TestUser>;
  /** Catalog rows owned by someone else (created on first use). */
  catalog(): Promise<CatalogFixture>;
  /** An unpaid order of the target customer, holding the catalog variant (created on first use). */
  order(): Promise<{ id: string }>;
}

interface RouteCase {
  access: Access;
  /** Path parameters, e.g. `{ id }` for `/admin/users/:id`. */
  params?: (ctx: Ctx) => Promise<Record<string, string>> | Record<string, string>;
  /** Body and extra headers. */
  request?: (ctx: Ctx) => Promise<Partial<InjectOptions>> | Partial<InjectOptions>;
}

const PUBLIC: Access = { anonymous: 'ok', customer: 'ok', merchant: 'ok', admin: 'ok' };
const SIGNED_IN: Access = { anonymous: 401, customer: 'ok', merchant: 'ok', admin: 'ok' };
const only = (...roles: Role[]): Access => ({
  anonymous: 401,
  customer: roles.includes('customer') ? 'ok' : 403,
  merchant: roles.includes('merchant') ? 'ok' : 403,
  admin: roles.includes('admin') ? 'ok' : 403,
});

const json = (payload: object): Partial<InjectOptions> => ({ payload });
const OPAQUE = 'x'.repeat(43);

/** Keyed `METHOD /path` as declared (without the /api/v1 prefix). */
const ROUTES: Record<string, RouteCase> = {
  // operations
  'GET /health': { access: PUBLIC },
  'GET /health/ready': { access: PUBLIC },
  'GET /metrics': { access: PUBLIC },
  // queue dashboard session (Bull Board's own routes are tested in queues-dashboard)
  'POST /admin/queues/login': {
    access: only('admin'),
    request: (ctx) => json({ accessToken: ctx.caller?.accessToken ?? OPAQUE }),
  },
  'POST /admin/queues/logout': { access: PUBLIC },
  // auth
  'POST /auth/register': {
    access: PUBLIC,
    request: () =>
      json({ email: uniqueEmail('matrix'), password: 'a fine long passphrase', name: 'M' }),
  },
  'POST /auth/login': {
    access: PUBLIC,
    request: async (ctx) => {
      const user = await ctx.target();
      return json({ email: user.email, password: user.password });
    },
  },
  'POST /auth/refresh': {
    access: PUBLIC,
    request: async (ctx) => json({ refreshToken: (await ctx.target()).refreshToken }),
  },
  'POST /auth/logout': {
    access: SIGNED_IN,
    request: (ctx) => json({ refreshToken: ctx.caller?.refreshToken ?? OPAQUE }),
  },
  'POST /auth/logout/all': { access: SIGNED_IN },
  'POST /auth/verify-email': { access: PUBLIC, request: () => json({ token: OPAQUE }) },
  'POST /auth/verify-email/resend': { access: SIGNED_IN },
  'POST /auth/password/forgot': {
    access: PUBLIC,
    request: async (ctx) => json({ email: (await ctx.target()).email }),
  },
  'POST /auth/password/reset': {
    access: PUBLIC,
    request: () => json({ token: OPAQUE, password: 'a fine long passphrase' }),
  },
  // users
  'GET /users/me': { access: SIGNED_IN },
  'PATCH /users/me': { access: SIGNED_IN, request: () => json({ name: 'Renamed' }) },
  'DELETE /users/me': {
    access: SIGNED_IN,
    request: (ctx) => json({ password: ctx.caller?.password ?? 'x' }),
  },
  'PUT /users/me/password': {
    access: SIGNED_IN,
    request: (ctx) =>
      json({ currentPassword: ctx.caller?.password ?? 'x', newPassword: 'a new long passphrase' }),
  },
  'PUT /users/me/avatar': { access: SIGNED_IN, request: () => multipartFile(TINY_PNG) },
  'GET /admin/users': { access: only('admin') },
  'PATCH /admin/users/:id': {
    access: only('admin'),
    params: async (ctx) => ({ id: (await ctx.target()).id }),
    request: () => json({ active: true }),
  },
  // catalog: the matrix merchant never owns the resource (the service answers 403 or 404)
  'GET /categories': { access: PUBLIC },
  'POST /admin/categories': { access: only('admin'), request: () => json({ name: 'Matrix' }) },
  'PATCH /admin/categories/:id': {
    access: only('admin'),
    params: async (ctx) => ({ id: (await ctx.catalog()).categoryId }),
    request: () => json({ name: 'Matrix renamed' }),
  },
  // 204 or 409 depending on the category's content: past authorization either way.
  'DELETE /admin/categories/:id': {
    access: only('admin'),
    params: async (ctx) => ({ id: (await ctx.catalog()).categoryId }),
  },
  'PUT /merchant/shop': { access: only('merchant'), request: () => json({ name: 'Matrix shop' }) },
  'GET /shops/:slug': {
    access: PUBLIC,
    params: async (ctx) => ({ slug: (await ctx.catalog()).shopSlug }),
  },
  'GET /merchant/products': { access: only('merchant') },
  'GET /products': { access: PUBLIC },
  'GET /products/:idOrSlug': {
    access: PUBLIC,
    params: async (ctx) => ({ idOrSlug: (await ctx.catalog()).productId }),
  },
  // A merchant without a shop gets 422, an admin without shopId 400: past authorization.
  'POST /products': {
    access: only('merchant', 'admin'),
    request: () => json({ title: 'Matrix', variants: [{ sku: uniqueSku(), price: 1, stock: 0 }] }),
  },
  'PATCH /products/:id': {
    access: { anonymous: 401, customer: 403, merchant: 403, admin: 'ok' },
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
    request: () => json({ title: 'x' }),
  },
  'DELETE /products/:id': {
    access: { anonymous: 401, customer: 403, merchant: 403, admin: 'ok' },
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
  },
  'POST /products/:id/variants': {
    access: { anonymous: 401, customer: 403, merchant: 403, admin: 'ok' },
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
    request: () => json({ sku: uniqueSku(), price: 1, stock: 0 }),
  },
  'PATCH /products/:id/variants/:variantId': {
    access: { anonymous: 401, customer: 403, merchant: 403, admin: 'ok' },
    params: async (ctx) => {
      const { productId, variantId } = await ctx.catalog();
      return { id: productId, variantId };
    },
    request: () => json({ price: 2 }),
  },
  'POST /products/:id/images': {
    access: { anonymous: 401, customer: 403, merchant: 403, admin: 'ok' },
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
    request: () => multipartFile(TINY_PNG),
  },
  'GET /products/:id/reviews': {
    access: PUBLIC,
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
  },
  // Nobody in the matrix bought the product: signed-in callers get 403 from the purchase check.
  'POST /products/:id/reviews': {
    access: { anonymous: 401, customer: 403, merchant: 403, admin: 403 },
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
    request: () => json({ rating: 5 }),
  },
  // The matrix merchant does not own the variant: 404 (hidden), past authorization.
  'POST /inventory/adjustments': {
    access: only('merchant', 'admin'),
    request: async (ctx) =>
      json({ variantId: (await ctx.catalog()).variantId, delta: 1, reason: 'adjustment' }),
  },
  // orders: the caller never owns the order (customers and merchants get 404 past the guard)
  'GET /orders': { access: SIGNED_IN },
  'GET /orders/:id': {
    access: SIGNED_IN,
    params: async (ctx) => ({ id: (await ctx.order()).id }),
  },
  'POST /orders/:id/cancel': {
    access: SIGNED_IN,
    params: async (ctx) => ({ id: (await ctx.order()).id }),
  },
  'GET /admin/orders': { access: only('admin') },
  'PATCH /admin/orders/:id/status': {
    access: only('admin'),
    params: async (ctx) => ({ id: (await ctx.order()).id }),
    request: () => json({ status: 'shipped' }),
  },
  'POST /admin/orders/:id/payments': {
    access: only('admin'),
    params: async (ctx) => ({ id: (await ctx.order()).id }),
    request: () => json({ amount: 100, reference: 'MATRIX' }),
  },
  'POST /admin/orders/:id/refunds': {
    access: only('admin'),
    params: async (ctx) => ({ id: (await ctx.order()).id }),
    request: () => json({ amount: 1, reason: 'Matrix' }),
  },
  // webhooks: no user; the provider's signature is checked instead (400 without one).
  'POST /payments/stripe/webhook': { access: PUBLIC, request: () => json({}) },
  'POST /payments/:provider/webhook': {
    access: PUBLIC,
    params: () => ({ provider: 'manual' }),
    request: () => json({}),
  },
  // The matrix merchant has no shop: an empty list; an admin without shopId gets 400.
  'GET /merchant/orders': { access: only('merchant', 'admin') },
  // cart: guests and users alike (a signed-in caller works on their own cart)
  'GET /cart': { access: PUBLIC },
  'POST /cart/items': {
    access: PUBLIC,
    request: async (ctx) => json({ variantId: (await ctx.catalog()).variantId, quantity: 1 }),
  },
  // The line is not in the caller's cart: 404, past authorization.
  'PATCH /cart/items/:variantId': {
    access: PUBLIC,
    params: async (ctx) => ({ variantId: (await ctx.catalog()).variantId }),
    request: () => json({ quantity: 2 }),
  },
  'DELETE /cart/items/:variantId': {
    access: PUBLIC,
    params: async (ctx) => ({ variantId: (await ctx.catalog()).variantId }),
  },
  'DELETE /cart': { access: PUBLIC },
  // The caller's cart is empty: 422, past authorization.
  'POST /checkout': {
    access: SIGNED_IN,
    request: () => ({ payload: {}, headers: { 'idempotency-key': 'matrix-checkout' } }),
  },
  // invoices: ownership is checked in the service (another user's order is 404, past the guard).
  'GET /orders/:id/invoice': {
    access: SIGNED_IN,
    params: () => ({ id: '00000000-0000-4000-8000-0000000000a1' }),
  },
  'GET /orders/:id/credit-note': {
    access: SIGNED_IN,
    params: () => ({ id: '00000000-0000-4000-8000-0000000000a1' }),
  },
  'GET /orders/:id/credit-notes/:number': {
    access: SIGNED_IN,
    params: () => ({ id: '00000000-0000-4000-8000-0000000000a1', number: 'CN-2026-000001' }),
  },
};

async function catalogFixture(app: NestFastifyApplication): Promise<CatalogFixture> {
  const admin = await createUser(app, 'admin');
  const owner = await createMerchant(app);
  const category = await createCategory(app, admin, `Matrix ${uniqueSku('C')}`);
  const product = await createProduct(app, owner, { categoryId: category.id });
  return {
    productId: product.id,
    variantId: product.variants[0].id,
    categoryId: category.id,
    shopSlug: owner.shopSlug,
  };
}

function discoverRoutes(app: NestFastifyApplication): string[] {
  const routes: string[] = [];
  const join = (...parts: string[]) =>
    '/' +
    parts
      .flatMap((p) => p.split('/'))
      .filter(Boolean)
      .join('/');
  for (const wrapper of new DiscoveryService(app.get(ModulesContainer)).getControllers()) {
    const type = wrapper.metatype as (new () => unknown) | undefined;
    if (!type) continue;
    const base = [Reflect.getMetadata(PATH_METADATA, type) as string | string[]].flat();
    const proto = type.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = proto[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (path === undefined || method === undefined) continue;
      for (const b of base) {
        for (const p of [path].flat()) routes.push(`${RequestMethod[method]} ${join(b, p)}`);
      }
    }
  }
  return routes.sort();
}

function urlOf(path: string): string {
  return UNPREFIXED_ROUTES.includes(path.slice(1)) ? path : `/${API_PREFIX}${path}`;
}

describe('authorization matrix: every route × anonymous, customer, merchant, admin', () => {
  let app: NestFastifyApplication;
  let discovered: string[];

  beforeAll(async () => {
    app = await createTestApp();
    discovered = discoverRoutes(app);
  });
  afterAll(() => app.close());

  it('has an entry for every route of the app, and none for routes that do not exist', () => {
    expect(discovered.length).toBeGreaterThan(10);
    expect(discovered.filter((r) => !ROUTES[r])).toEqual([]);
    expect(Object.keys(ROUTES).filter((r) => !discovered.includes(r))).toEqual([]);
  });

  const cells = Object.entries(ROUTES).flatMap(([route, spec]) =>
    (Object.keys(spec.access) as Who[]).map((who) => [route, who, spec.access[who]] as const),
  );

  it.each(cells)('%s as %s → %s', async (route, who, expected) => {
    const spec = ROUTES[route];
    const caller = who === 'anonymous' ? undefined : await createUser(app, who);
    let target: TestUser | undefined;
    let catalog: CatalogFixture | undefined;
    let order: { id: string } | undefined;
    const ctx: Ctx = {
      caller,
      target: async () => (target ??= await createUser(app)),
      catalog: async () => (catalog ??= await catalogFixture(app)),
      order: async () =>
        (order ??= await insertOrder(app, {
          userId: (await ctx.target()).id,
          lines: [{ variantId: (await ctx.catalog()).variantId, quantity: 1 }],
        })),
    };

    const [method, pattern] = route.split(' ') as [InjectOptions['method'], string];
    const params = (await spec.params?.(ctx)) ?? {};
    const path = pattern.replace(/:(\w+)/g, (_m, name: string) => params[name]);
    const extra = (await spec.request?.(ctx)) ?? {};
    const res = await app.inject({
      ...extra,
      method,
      url: urlOf(path),
      headers: { ...(extra.headers ?? {}), ...(caller?.auth ?? {}) },
    });

    expect(res.statusCode).toBeLessThan(500);
    if (expected === 'ok') {
      expect([401, 403]).not.toContain(res.statusCode);
    } else {
      expect(res.statusCode).toBe(expected);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});
