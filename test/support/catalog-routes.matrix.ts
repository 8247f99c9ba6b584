/**
 * Catalog routes for the authorization matrix: what each kind of caller gets when it calls the
 * route with a well-formed request on a resource it does not own. 'allowed' = neither 401 nor 403.
 * `:product` is a published product of another merchant, `:variant` one of its variants,
 * `:category` an existing category, `:shop` an existing shop's slug.
 */
export type MatrixOutcome = 'allowed' | 401 | 403;

export interface MatrixEntry {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  expect: {
    anonymous: MatrixOutcome;
    customer: MatrixOutcome;
    merchant: MatrixOutcome;
    admin: MatrixOutcome;
  };
}

const open = {
  anonymous: 'allowed',
  customer: 'allowed',
  merchant: 'allowed',
  admin: 'allowed',
} as const;
const adminOnly = { anonymous: 401, customer: 403, merchant: 403, admin: 'allowed' } as const;
const merchantOnly = { anonymous: 401, customer: 403, merchant: 'allowed', admin: 403 } as const;
/** The merchant of the matrix does not own the resource: the service says 403. */
const ownerOrAdmin = { anonymous: 401, customer: 403, merchant: 403, admin: 'allowed' } as const;

export const CATALOG_ROUTES: MatrixEntry[] = [
  { method: 'GET', path: '/api/v1/categories', expect: open },
  { method: 'POST', path: '/api/v1/admin/categories', body: { name: 'Matrix' }, expect: adminOnly },
  {
    method: 'PATCH',
    path: '/api/v1/admin/categories/:category',
    body: { name: 'Matrix renamed' },
    expect: adminOnly,
  },
  // Allowed for admins, answered 204 or 409 depending on the category's content.
  { method: 'DELETE', path: '/api/v1/admin/categories/:category', expect: adminOnly },
  {
    method: 'PUT',
    path: '/api/v1/merchant/shop',
    body: { name: 'Matrix shop' },
    expect: merchantOnly,
  },
  { method: 'GET', path: '/api/v1/shops/:shop', expect: open },
  { method: 'GET', path: '/api/v1/merchant/products', expect: merchantOnly },
  { method: 'GET', path: '/api/v1/products', expect: open },
  { method: 'GET', path: '/api/v1/products/:product', expect: open },
  // A merchant without a shop gets 422, an admin without shopId 400: both are past authorization.
  {
    method: 'POST',
    path: '/api/v1/products',
    body: { title: 'Matrix', variants: [{ sku: 'MATRIX-1', price: 1, stock: 0 }] },
    expect: { anonymous: 401, customer: 403, merchant: 'allowed', admin: 'allowed' },
  },
  {
    method: 'PATCH',
    path: '/api/v1/products/:product',
    body: { title: 'x' },
    expect: ownerOrAdmin,
  },
  {
    method: 'POST',
    path: '/api/v1/products/:product/variants',
    body: { sku: 'MATRIX-V', price: 1, stock: 0 },
    expect: ownerOrAdmin,
  },
  {
    method: 'PATCH',
    path: '/api/v1/products/:product/variants/:variant',
    body: { price: 2 },
    expect: ownerOrAdmin,
  },
  // Without a multipart body the admin gets 415: past authorization.
  { method: 'POST', path: '/api/v1/products/:product/images', expect: ownerOrAdmin },
  { method: 'GET', path: '/api/v1/products/:product/reviews', expect: open },
  // Nobody in the matrix bought the product: signed-in callers get 403 from the purchase check.
  {
    method: 'POST',
    path: '/api/v1/products/:product/reviews',
    body: { rating: 5 },
    expect: { anonymous: 401, customer: 403, merchant: 403, admin: 403 },
  },
  // The matrix merchant does not own the variant: 404 (hidden), which counts as allowed here.
  {
    method: 'POST',
    path: '/api/v1/inventory/adjustments',
    body: { variantId: ':variant', delta: 1, reason: 'adjustment' },
    expect: { anonymous: 401, customer: 403, merchant: 'allowed', admin: 'allowed' },
  },
  // Last: archiving hides the product from the routes above.
  { method: 'DELETE', path: '/api/v1/products/:product', expect: ownerOrAdmin },
];
