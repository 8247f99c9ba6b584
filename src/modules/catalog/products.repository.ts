import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CursorValueKind, decodeCursor, KeysetCursor } from '../../common/pagination/cursor';
import { ProductQueryDto, ProductSort } from './dto/product.dto';
import { ProductStatus } from './catalog-types';
import { preparedQuery } from '../../database/sql';

/** One product with its shop, category and live variants, as the SQL below returns it. */
export interface ProductRow {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  status: ProductStatus;
  attributes: Record<string, unknown>;
  images: string[];
  rating_sum: number;
  rating_count: number;
  min_price: number;
  max_price: number;
  created_at: Date;
  merchant_id: string;
  shop: { id: string; name: string; slug: string };
  category: { id: string; name: string; slug: string } | null;
  variants: {
    id: string;
    sku: string;
    options: Record<string, string>;
    price: number;
    stock: number;
  }[];
  /** The sort key as exact text (listing only). */
  sort_key?: string;
}

/** Columns of a ProductRow; variants are aggregated in the same statement (no N+1). */
const PRODUCT_COLUMNS = `
  p.id, p.slug, p.title, p.description, p.status, p.attributes, p.images,
  p.rating_sum, p.rating_count, p.min_price, p.max_price, p.created_at, s.merchant_id,
  json_build_object('id', s.id, 'name', s.name, 'slug', s.slug) AS shop,
  CASE WHEN c.id IS NULL THEN NULL
       ELSE json_build_object('id', c.id, 'name', c.name, 'slug', c.slug) END AS category,
  (SELECT coalesce(json_agg(json_build_object(
            'id', v.id, 'sku', v.sku, 'options', v.options, 'price', v.price, 'stock', v.stock)
          ORDER BY v.position, v.id), '[]'::json)
     FROM product_variants v WHERE v.product_id = p.id AND NOT v.archived) AS variants`;

const PRODUCT_FROM = `
  FROM products p
  JOIN shops s ON s.id = p.shop_id
  LEFT JOIN categories c ON c.id = p.category_id`;

interface SortSpec {
  /** Sort key expression; `$q` stands for the tsquery. */
  key: string;
  cast: string;
  /** What a cursor's value must look like to be cast to `cast`. */
  value: CursorValueKind;
  direction: 'ASC' | 'DESC';
}

const SORTS: Record<Exclude<ProductSort, 'relevance'> | 'relevance', SortSpec> = {
  relevance: { key: 'ts_rank(p.search, $q)', cast: 'real', value: 'number', direction: 'DESC' },
  newest: { key: 'p.created_at', cast: 'timestamptz', value: 'timestamp', direction: 'DESC' },
  price: { key: 'p.min_price', cast: 'integer', value: 'integer', direction: 'ASC' },
  '-price': { key: 'p.min_price', cast: 'integer', value: 'integer', direction: 'DESC' },
  rating: { key: 'p.rating_avg', cast: 'numeric', value: 'number', direction: 'DESC' },
};

/** A shop's own listing: every status (or the one named) instead of published only. */
export interface OwnerScope {
  shopId: string;
  status?: ProductStatus;
}

export interface ListingSql {
  text: string;
  values: unknown[];
  sort: ProductSort;
}

/**
 * Builds the public listing as ONE statement: filters, keyset condition, order and limit + 1,
 * variants aggregated per row. Shared with the bench baseline so both answer the same query.
 */
export function buildListingSql(query: ProductQueryDto, owner?: OwnerScope): ListingSql {
  const values: unknown[] = [];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const where = owner
    ? [
        `p.shop_id = ${param(owner.shopId)}::uuid`,
        ...(owner.status ? [`p.status = ${param(owner.status)}`] : []),
      ]
    : [`p.status = 'published'`];
  const q = query.q?.trim();
  let tsq = '';
  if (q) {
    tsq = `websearch_to_tsquery('english', ${param(q)})`;
    where.push(`p.search @@ ${tsq}`);
  }
  if (query.category) {
    where.push(`p.category_id IN (
      WITH RECURSIVE sub(id) AS (
        SELECT ${param(query.category)}::uuid
        UNION ALL SELECT c2.id FROM categories c2 JOIN sub ON c2.parent_id = sub.id)
      SELECT id FROM sub)`);
  }
  if (query.shop) where.push(`p.shop_id = ${param(query.shop)}::uuid`);
  if (query.minPrice !== undefined || query.maxPrice !== undefined) {
    const conds = ['v.product_id = p.id', 'NOT v.archived'];
    if (query.minPrice !== undefined) conds.push(`v.price >= ${param(query.minPrice)}`);
    if (query.maxPrice !== undefined) conds.push(`v.price <= ${param(query.maxPrice)}`);
    where.push(`EXISTS (SELECT 1 FROM product_variants v WHERE ${conds.join(' AND ')})`);
  }
  if (query.inStock === true) {
    where.push(
      `EXISTS (SELECT 1 FROM product_variants v WHERE v.product_id = p.id AND NOT v.archived AND v.stock > 0)`,
    );
  }
  let sort: ProductSort = query.sort ?? (q ? 'relevance' : 'newest');
  if (sort === 'relevance' && !q) sort = 'newest';
  const spec = SORTS[sort];
  const key = spec.key.replace('$q', tsq);
  if (query.cursor) {
    const cursor: KeysetCursor = decodeCursor(query.cursor, sort, spec.value);
    const cmp = spec.direction === 'DESC' ? '<' : '>';
    where.push(
      `(${key}, p.id) ${cmp} (${param(cursor.v)}::${spec.cast}, ${param(cursor.id)}::uuid)`,
    );
  }
  const text = `SELECT ${PRODUCT_COLUMNS}, (${key})::text AS sort_key ${PRODUCT_FROM}
    WHERE ${where.join(' AND ')}
    ORDER BY ${key} ${spec.direction}, p.id ${spec.direction}
    LIMIT ${param(query.limit + 1)}`;
  return { text, values, sort };
}

@Injectable()
export class ProductsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * The hot public reads run as named statements (`preparedQuery`): PostgreSQL plans each
   * distinct listing shape once per connection instead of on every request (planning cost
   * more than executing on the demo catalog).
   */
  private prepared<T>(text: string, values: unknown[]): Promise<T[]> {
    return preparedQuery<T>(this.db, text, values);
  }

  async findByIdOrSlug(
    where: { id: string } | { slug: string },
    manager: EntityManager = this.db.manager,
  ): Promise<ProductRow | null> {
    const [column, value] = 'id' in where ? ['p.id', where.id] : ['p.slug', where.slug];
    const text = `SELECT ${PRODUCT_COLUMNS} ${PRODUCT_FROM} WHERE ${column} = $1`;
    const rows: ProductRow[] =
      manager === this.db.manager
        ? await this.prepared<ProductRow>(text, [value])
        : await manager.query(text, [value]);
    return rows[0] ?? null;
  }

  async list(
    query: ProductQueryDto,
    owner?: OwnerScope,
  ): Promise<{ rows: ProductRow[]; sort: ProductSort }> {
    const sql = buildListingSql(query, owner);
    const rows = await this.prepared<ProductRow>(sql.text, sql.values);
    return { rows, sort: sql.sort };
  }

  /** Recomputes the denormalised price range from the live variants. */
  async refreshPriceRange(manager: EntityManager, productId: string): Promise<void> {
    await manager.query(
      `UPDATE products p SET
         min_price = coalesce((SELECT min(price) FROM product_variants WHERE product_id = p.id AND NOT archived), 0),
         max_price = coalesce((SELECT max(price) FROM product_variants WHERE product_id = p.id AND NOT archived), 0),
         updated_at = now()
       WHERE p.id = $1`,
      [productId],
    );
  }

  /** Adds a review's rating to the product's sum and count, in the caller's transaction. */
  async addRating(tx: EntityManager, productId: string, rating: number): Promise<void> {
    await tx.query(
      `UPDATE products SET rating_sum = rating_sum + $2, rating_count = rating_count + 1
        WHERE id = $1`,
      [productId, rating],
    );
  }

  /** Takes a hidden review's rating back out of the product's sum and count (caller's tx). */
  async removeRating(tx: EntityManager, productId: string, rating: number): Promise<void> {
    await tx.query(
      `UPDATE products SET rating_sum = rating_sum - $2, rating_count = rating_count - 1
        WHERE id = $1`,
      [productId, rating],
    );
  }
}
