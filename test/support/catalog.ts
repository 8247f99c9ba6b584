import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { createUser, TestUser } from './users';

export const uniqueSku = (label = 'SKU') => `${label}-${randomBytes(5).toString('hex')}`;

/** A merchant who already has a shop. */
export async function createMerchant(
  app: NestFastifyApplication,
): Promise<TestUser & { shopId: string; shopSlug: string }> {
  const merchant = await createUser(app, 'merchant');
  const res = await app.inject({
    method: 'PUT',
    url: '/api/v1/merchant/shop',
    headers: merchant.auth,
    payload: { name: `Shop ${randomBytes(3).toString('hex')}` },
  });
  if (res.statusCode !== 200) throw new Error(`shop: ${res.statusCode} ${res.body}`);
  return { ...merchant, shopId: res.json().id, shopSlug: res.json().slug };
}

export interface ProductInput {
  title?: string;
  description?: string;
  categoryId?: string;
  status?: 'draft' | 'published' | 'archived';
  attributes?: Record<string, unknown>;
  variants?: { sku?: string; price: number; stock: number; options?: Record<string, string> }[];
}

/** Creates a product through the API (published with one variant unless told otherwise). */
export async function createProduct(
  app: NestFastifyApplication,
  owner: { auth: { authorization: string } },
  input: ProductInput = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/products',
    headers: owner.auth,
    payload: {
      title: input.title ?? `Product ${randomBytes(3).toString('hex')}`,
      description: input.description,
      categoryId: input.categoryId,
      status: input.status ?? 'published',
      attributes: input.attributes,
      variants: (input.variants ?? [{ price: 1000, stock: 10 }]).map((v) => ({
        ...v,
        sku: v.sku ?? uniqueSku(),
      })),
    },
  });
  if (res.statusCode !== 201) throw new Error(`product: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function createCategory(
  app: NestFastifyApplication,
  admin: TestUser,
  name: string,
  parentId?: string,
): Promise<{ id: string; slug: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/admin/categories',
    headers: admin.auth,
    payload: { name, parentId },
  });
  if (res.statusCode !== 201) throw new Error(`category: ${res.statusCode} ${res.body}`);
  return res.json();
}
