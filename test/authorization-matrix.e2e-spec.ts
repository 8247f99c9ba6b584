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
/** The exact status each caller gets (401/403: refused by the guards; others: past them). */
type Access = Record<Who, number>;

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

/** Everyone, signed in or not, gets `status`. */
const PUBLIC = (status: number): Access => ({
  anonymous: status,
  customer: status,
  merchant: status,
  admin: status,
});
/** Anonymous callers get 401; every signed-in role gets `status`. */
const SIGNED_IN = (status: number): Access => ({ ...PUBLIC(status), anonymous: 401 });
/** Anonymous 401, the other roles 403, `roles` get `status`. */
const only = (status: number, ...roles: Role[]): Access => ({
  anonymous: 401,
  customer: roles.includes('customer') ? status : 403,
  merchant: roles.includes('merchant') ? status : 403,
  admin: roles.includes('admin') ? status : 403,
});

const json = (payload: object): Partial<InjectOptions> => ({ payload });
const OPAQUE = 'x'.repeat(43);

/** Keyed `METHOD /path` as declared (without the /api/v1 prefix). */
const ROUTES: Record<string, RouteCase> = {
  // operations
  'GET /health': { access: PUBLIC(200) },
  'GET /health/ready': { access: PUBLIC(200) },
  // Served on its own listener (METRICS_PORT), not on the API's port without METRICS_TOKEN.
  'GET /metrics': { access: PUBLIC(404) },
  // queue dashboard session (Bull Board's own routes are tested in queues-dashboard)
  'POST /admin/queues/login': {
    access: only(204, 'admin'),
    request: (ctx) => json({ accessToken: ctx.caller?.accessToken ?? OPAQUE }),
  },
  'POST /admin/queues/logout': { access: PUBLIC(204) },
  // auth
  'POST /auth/register': {
    access: PUBLIC(201),
    request: () =>
      json({ email: uniqueEmail('matrix'), password: 'a fine long passphrase', name: 'M' }),
  },
  'POST /auth/login': {
    access: PUBLIC(200),
    request: async (ctx) => {
      const user = await ctx.target();
      return json({ email: user.email, password: user.password });
    },
  },
  'POST /auth/refresh': {
    access: PUBLIC(200),
    request: async (ctx) => json({ refreshToken: (await ctx.target()).refreshToken }),
  },
  'POST /auth/logout': {
    access: SIGNED_IN(204),
    request: (ctx) => json({ refreshToken: ctx.caller?.refreshToken ?? OPAQUE }),
  },
  'POST /auth/logout/all': { access: SIGNED_IN(204) },
  'POST /auth/verify-email': { access: PUBLIC(400), request: () => json({ token: OPAQUE }) },
  'POST /auth/verify-email/resend': { access: SIGNED_IN(202) },
  'POST /auth/password/forgot': {
    access: PUBLIC(202),
    request: async (ctx) => json({ email: (await ctx.target()).email }),
  },
  'POST /auth/password/reset': {
    access: PUBLIC(400),
    request: () => json({ token: OPAQUE, password: 'a fine long passphrase' }),
  },
  // users
  'GET /users/me': { access: SIGNED_IN(200) },
  'PATCH /users/me': { access: SIGNED_IN(200), request: () => json({ name: 'Renamed' }) },
  'DELETE /users/me': {
    access: SIGNED_IN(204),
    request: (ctx) => json({ password: ctx.caller?.password ?? 'x' }),
  },
  'PUT /users/me/password': {
    access: SIGNED_IN(204),
    request: (ctx) =>
      json({ currentPassword: ctx.caller?.password ?? 'x', newPassword: 'a new long passphrase' }),
  },
  'PUT /users/me/avatar': { access: SIGNED_IN(200), request: () => multipartFile(TINY_PNG) },
  'GET /admin/users': { access: only(200, 'admin') },
  'PATCH /admin/users/:id': {
    access: only(200, 'admin'),
    params: async (ctx) => ({ id: (await ctx.target()).id }),
    request: () => json({ active: true }),
  },
  // catalog: the matrix merchant never owns the resource (the service answers 403 or 404)
  'GET /categories': { access: PUBLIC(200) },
  'POST /admin/categories': { access: only(201, 'admin'), request: () => json({ name: 'Matrix' }) },
  'PATCH /admin/categories/:id': {
    access: only(200, 'admin'),
    params: async (ctx) => ({ id: (await ctx.catalog()).categoryId }),
    request: () => json({ name: 'Matrix renamed' }),
  },
  // 204 or 409 depending on the category's content: past authorization either way.
  'DELETE /admin/categories/:id': {
    access: only(409, 'admin'),
    params: async (ctx) => ({ id: (await ctx.catalog()).categoryId }),
  },
  'PUT /merchant/shop': {
    access: only(200, 'merchant'),
    request: () => json({ name: 'Matrix shop' }),
  },
  'GET /shops/:slug': {
    access: PUBLIC(200),
    params: async (ctx) => ({ slug: (await ctx.catalog()).shopSlug }),
  },
  'GET /merchant/products': { access: only(200, 'merchant') },
  'GET /products': { access: PUBLIC(200) },
  'GET /products/:idOrSlug': {
    access: PUBLIC(200),
    params: async (ctx) => ({ idOrSlug: (await ctx.catalog()).productId }),
  },
  // A merchant without a shop gets 422, an admin without shopId 400: past authorization.
  'POST /products': {
    access: { anonymous: 401, customer: 403, merchant: 422, admin: 400 },
    request: () => json({ title: 'Matrix', variants: [{ sku: uniqueSku(), price: 1, stock: 0 }] }),
  },
  'PATCH /products/:id': {
    access: only(200, 'admin'),
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
    request: () => json({ title: 'x' }),
  },
  'DELETE /products/:id': {
    access: only(200, 'admin'),
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
  },
  'POST /products/:id/variants': {
    access: only(201, 'admin'),
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
    request: () => json({ sku: uniqueSku(), price: 1, stock: 0 }),
  },
  'PATCH /products/:id/variants/:variantId': {
    access: only(200, 'admin'),
    params: async (ctx) => {
      const { productId, variantId } = await ctx.catalog();
      return { id: productId, variantId };
    },
    request: () => json({ price: 2 }),
  },
  'POST /products/:id/images': {
    access: only(201, 'admin'),
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
    request: () => multipartFile(TINY_PNG),
  },
  'GET /products/:id/reviews': {
    access: PUBLIC(200),
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
  },
  // Nobody in the matrix bought the product: signed-in callers get 403 from the purchase check.
  'POST /products/:id/reviews': {
    access: SIGNED_IN(403),
    params: async (ctx) => ({ id: (await ctx.catalog()).productId }),
    request: () => json({ rating: 5 }),
  },
  // The matrix merchant does not own the variant: 404 (hidden), past authorization.
  'POST /inventory/adjustments': {
    access: { anonymous: 401, customer: 403, merchant: 404, admin: 201 },
    request: async (ctx) =>
      json({ variantId: (await ctx.catalog()).variantId, delta: 1, reason: 'adjustment' }),
  },
  // orders: the caller never owns the order (customers and merchants get 404 past the guard)
  'GET /orders': { access: SIGNED_IN(200) },
  'GET /orders/:id': {
    access: { anonymous: 401, customer: 404, merchant: 404, admin: 200 },
    params: async (ctx) => ({ id: (await ctx.order()).id }),
  },
  'POST /orders/:id/cancel': {
    access: { anonymous: 401, customer: 404, merchant: 404, admin: 200 },
    params: async (ctx) => ({ id: (await ctx.order()).id }),
  },
  'GET /admin/orders': { access: only(200, 'admin') },
  'PATCH /admin/orders/:id/status': {
    access: only(422, 'admin'),
    params: async (ctx) => ({ id: (await ctx.order()).id }),
    request: () => json({ status: 'shipped' }),
  },
  'POST /admin/orders/:id/payments': {
    access: only(200, 'admin'),
    params: async (ctx) => ({ id: (await ctx.order()).id }),
    request: () => json({ amount: 100, reference: 'MATRIX' }),
  },
  'POST /admin/orders/:id/refunds': {
    access: only(422, 'admin'),
    params: async (ctx) => ({ id: (await ctx.order()).id }),
    request: () => json({ amount: 1, reason: 'Matrix' }),
  },
  // webhooks: no user (the provider's signature is checked instead); the test config enables
  // no webhook, so 404 for everyone.
  'POST /payments/stripe/webhook': { access: PUBLIC(404), request: () => json({}) },
  'POST /payments/:provider/webhook': {
    access: PUBLIC(404),
    params: () => ({ provider: 'manual' }),
    request: () => json({}),
  },
  // The matrix merchant has no shop: an empty list; an admin without shopId gets 400.
  'GET /merchant/orders': { access: { anonymous: 401, customer: 403, merchant: 200, admin: 400 } },
  // cart: guests and users alike (a signed-in caller works on their own cart)
  'GET /cart': { access: PUBLIC(200) },
  'POST /cart/items': {
    access: PUBLIC(200),
    request: async (ctx) => json({ variantId: (await ctx.catalog()).variantId, quantity: 1 }),
  },
  // The line is not in the caller's cart: 404, past authorization.
  'PATCH /cart/items/:variantId': {
    access: PUBLIC(404),
    params: async (ctx) => ({ variantId: (await ctx.catalog()).variantId }),
    request: () => json({ quantity: 2 }),
  },
  'DELETE /cart/items/:variantId': {
    access: PUBLIC(200),
    params: async (ctx) => ({ variantId: (await ctx.catalog()).variantId }),
  },
  'DELETE /cart': { access: PUBLIC(200) },
  // The caller's cart is empty: 422, past authorization.
  'POST /checkout': {
    access: SIGNED_IN(422),
    request: () => ({ payload: {}, headers: { 'idempotency-key': 'matrix-checkout' } }),
  },
  // invoices: ownership is checked in the service (another user's order is 404, past the guard).
  'GET /orders/:id/invoice': {
    access: SIGNED_IN(404),
    params: () => ({ id: '00000000-0000-4000-8000-0000000000a1' }),
  },
  'GET /orders/:id/credit-note': {
    access: SIGNED_IN(404),
    params: () => ({ id: '00000000-0000-4000-8000-0000000000a1' }),
  },
  'GET /orders/:id/credit-notes/:number': {
    access: SIGNED_IN(404),
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

    expect(res.statusCode).toBe(expected);
    if (expected >= 400) {
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
  });
});
