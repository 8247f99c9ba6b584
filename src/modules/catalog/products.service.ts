import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationFailedError,
} from '../../common/errors/domain-errors';
import { Page, toPage } from '../../common/pagination/cursor';
import { PublicAnswer } from '../../common/http/public-answer';
import { isUniqueViolation } from '../../common/http/unreachable';
import { parseIdOrSlug, slugCandidates } from '../../common/text/slug';
import { ImageStorage, thumbnailName } from '../../common/uploads/image-storage.service';
import { CatalogCache } from './catalog-cache';
import { CategoriesService } from './categories.service';
import {
  CreateProductDto,
  ManagedVariantResponse,
  MAX_IMAGES,
  MerchantProductQueryDto,
  ProductQueryDto,
  ProductResponse,
  UpdateProductDto,
  UpdateVariantDto,
  VariantInputDto,
} from './dto/product.dto';
import { OwnerScope, ProductRow, ProductsRepository } from './products.repository';
import { ShopsService } from './shops.service';
import { updateReturning } from '../../database/sql';
import { VariantsRepository } from './variants.repository';

const publicProductKey = (idOrSlug: string) => JSON.stringify(['product', idOrSlug]);

export const PRODUCT_IMAGE_MAX_BYTES = 5 * 1024 * 1024;

/** An id-or-slug filter as an id: undefined when absent, null when its slug names nothing. */
async function resolveRef(
  value: string | undefined,
  idOfSlug: (slug: string) => Promise<string | null>,
): Promise<string | undefined | null> {
  if (value === undefined) return undefined;
  const ref = parseIdOrSlug(value);
  if (!ref) return null;
  return 'id' in ref ? ref.id : idOfSlug(ref.slug);
}

export function toProductResponse(
  row: ProductRow,
  imageUrl: (file: string) => string,
): ProductResponse {
  return {
    id: row.id,
    slug: row.slug,
    title: row.title,
    description: row.description,
    category: row.category,
    shop: row.shop,
    images: row.images.map(imageUrl),
    thumbnails: row.images.map((file) => imageUrl(thumbnailName(file))),
    attributes: row.attributes,
    status: row.status,
    rating: {
      average: row.rating_count ? Math.round((row.rating_sum * 100) / row.rating_count) / 100 : 0,
      count: row.rating_count,
    },
    variants: row.variants.map((v) => ({
      id: v.id,
      sku: v.sku,
      options: v.options,
      price: v.price,
      stock: v.stock,
      inStock: v.stock > 0,
    })),
    priceRange: { min: row.min_price, max: row.max_price },
    createdAt: new Date(row.created_at).toISOString(),
  };
}

interface VariantRow {
  id: string;
  sku: string;
  options: Record<string, string>;
  price: number;
  stock: number;
  low_stock_threshold: number;
  archived: boolean;
}

const toManagedVariant = (v: VariantRow): ManagedVariantResponse => ({
  id: v.id,
  sku: v.sku,
  options: v.options,
  price: v.price,
  stock: v.stock,
  inStock: v.stock > 0,
  lowStockThreshold: v.low_stock_threshold,
  archived: v.archived,
});

const VARIANT_COLUMNS = 'id, sku, options, price, stock, low_stock_threshold, archived';

/**
 * Products and their variants. Public readers see published products only; the owning merchant
 * and admins see theirs in any state. Stock is never written here except through InventoryService.
 */
@Injectable()
export class ProductsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly products: ProductsRepository,
    private readonly shops: ShopsService,
    private readonly categories: CategoriesService,
    private readonly variants: VariantsRepository,
    private readonly images: ImageStorage,
    private readonly cache: CatalogCache,
  ) {}

  /**
   * A public listing page, serialised with its ETag (cached: see CatalogCache; `url`, the
   * request's, lets CachedPublicReads answer the same URL again).
   */
  async list(query: ProductQueryDto, url?: string): Promise<PublicAnswer> {
    const key = JSON.stringify([
      'list',
      query.q,
      query.category,
      query.shop,
      query.minPrice,
      query.maxPrice,
      query.inStock,
      query.sort,
      query.cursor,
      query.limit,
    ]);
    return (await this.cache.readPublic(key, () => this.listUncached(query), url))!;
  }

  /** The merchant's own products in any state (not cached: owners see their writes at once). */
  async listMine(actor: Actor, query: MerchantProductQueryDto): Promise<Page<ProductResponse>> {
    const shop = await this.shops.findByMerchant(actor.id);
    if (!shop) return { items: [], nextCursor: null };
    return this.listUncached(query, { shopId: shop.id, status: query.status });
  }

  private async listUncached(
    query: ProductQueryDto,
    owner?: OwnerScope,
  ): Promise<Page<ProductResponse>> {
    const filters = await this.filterIds(query);
    if (!filters) return { items: [], nextCursor: null };
    const { rows, sort } = await this.products.list({ ...query, ...filters }, owner);
    return toPage(
      rows,
      query.limit,
      (row) => this.toResponse(row),
      (row) => ({ s: sort, v: row.sort_key ?? null, id: row.id }),
    );
  }

  /**
   * The category and shop filters as ids (each may be given as an id or a slug); null when a
   * slug names nothing, which matches nothing, as an unknown id does.
   */
  private async filterIds(
    query: Pick<ProductQueryDto, 'category' | 'shop'>,
  ): Promise<Pick<ProductQueryDto, 'category' | 'shop'> | null> {
    const [category, shop] = await Promise.all([
      resolveRef(query.category, (slug) => this.categories.idOfSlug(slug)),
      resolveRef(query.shop, (slug) => this.shops.idOfSlug(slug)),
    ]);
    return category === null || shop === null ? null : { category, shop };
  }

  /** Adds a review's rating to the product's sum and count, in the review's transaction. */
  async addRating(tx: EntityManager, productId: string, rating: number): Promise<void> {
    await this.products.addRating(tx, productId, rating);
  }

  async removeRating(tx: EntityManager, productId: string, rating: number): Promise<void> {
    await this.products.removeRating(tx, productId, rating);
  }

  async get(actor: Actor | undefined, idOrSlug: string): Promise<ProductResponse> {
    // Anonymous readers see published products only: their answer is the same for everyone.
    const product = actor
      ? await this.find(actor, idOrSlug)
      : await this.cache.read(publicProductKey(idOrSlug), () => this.find(undefined, idOrSlug));
    if (!product) throw new NotFoundError('No such product.');
    return product;
  }

  /** A published product as anyone sees it, serialised with its ETag (cached, as `list`). */
  async getPublic(idOrSlug: string, url?: string): Promise<PublicAnswer> {
    const answer = await this.cache.readPublic(
      publicProductKey(idOrSlug),
      () => this.find(undefined, idOrSlug),
      url,
    );
    if (!answer) throw new NotFoundError('No such product.');
    return answer;
  }

  private async find(actor: Actor | undefined, idOrSlug: string): Promise<ProductResponse | null> {
    const where = parseIdOrSlug(idOrSlug);
    const row = where ? await this.products.findByIdOrSlug(where) : null;
    if (!row || (row.status !== 'published' && !this.canManage(actor, row))) return null;
    return this.toResponse(row);
  }

  async create(actor: Actor, input: CreateProductDto): Promise<ProductResponse> {
    const shopId = await this.resolveShop(actor, input.shopId);
    if (input.categoryId) await this.requireCategory(input.categoryId);
    this.refuseDuplicateSkus(input.variants.map((v) => v.sku));

    const productId = await this.db.transaction(async (m) => {
      let id: string | undefined;
      for (const slug of slugCandidates(input.title, 160)) {
        const rows: { id: string }[] = await m.query(
          `INSERT INTO products (shop_id, category_id, slug, title, description, status, attributes)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (slug) DO NOTHING RETURNING id`,
          [
            shopId,
            input.categoryId ?? null,
            slug,
            input.title,
            input.description ?? null,
            input.status ?? 'draft',
            input.attributes ?? {},
          ],
        );
        if (rows.length) {
          id = rows[0].id;
          break;
        }
      }
      if (!id) throw new ConflictError('Could not find a free slug for this title.');
      for (const [position, variant] of input.variants.entries()) {
        await this.insertVariant(m, actor, id, variant, position);
      }
      await this.products.refreshPriceRange(m, id);
      return id;
    });
    await this.cache.invalidate();
    return this.reload(productId);
  }

  async update(actor: Actor, id: string, input: UpdateProductDto): Promise<ProductResponse> {
    const row = await this.requireManaged(actor, id);
    if (input.categoryId) await this.requireCategory(input.categoryId);
    await this.db.query(
      `UPDATE products SET
         title = coalesce($2, title),
         description = CASE WHEN $3::boolean THEN $4 ELSE description END,
         category_id = coalesce($5, category_id),
         attributes = coalesce($6, attributes),
         status = coalesce($7, status),
         updated_at = now()
       WHERE id = $1`,
      [
        row.id,
        input.title ?? null,
        input.description !== undefined,
        input.description ?? null,
        input.categoryId ?? null,
        input.attributes ?? null,
        input.status ?? null,
      ],
    );
    await this.cache.invalidate();
    return this.reload(row.id);
  }

  /** DELETE archives: the product leaves the public catalog; orders keep their snapshots. */
  async archive(actor: Actor, id: string): Promise<ProductResponse> {
    return this.update(actor, id, { status: 'archived' });
  }

  async addVariant(
    actor: Actor,
    productId: string,
    input: VariantInputDto,
  ): Promise<ManagedVariantResponse> {
    const row = await this.requireManaged(actor, productId);
    const variantId = await this.db.transaction(async (m) => {
      const [{ next }]: { next: number }[] = await m.query(
        `SELECT coalesce(max(position) + 1, 0) AS next FROM product_variants WHERE product_id = $1`,
        [row.id],
      );
      const id = await this.insertVariant(m, actor, row.id, input, next);
      await this.products.refreshPriceRange(m, row.id);
      return id;
    });
    await this.cache.invalidate();
    return this.variant(variantId);
  }

  async updateVariant(
    actor: Actor,
    productId: string,
    variantId: string,
    input: UpdateVariantDto,
  ): Promise<ManagedVariantResponse> {
    const row = await this.requireManaged(actor, productId);
    await this.db
      .transaction(async (m) => {
        const current: VariantRow[] = await m.query(
          `SELECT ${VARIANT_COLUMNS} FROM product_variants WHERE id = $1 AND product_id = $2 FOR UPDATE`,
          [variantId, row.id],
        );
        if (!current.length) throw new NotFoundError('No such variant of this product.');
        if (input.archived === true && !current[0].archived) {
          const [{ live }]: { live: number }[] = await m.query(
            `SELECT count(*)::int AS live FROM product_variants WHERE product_id = $1 AND NOT archived`,
            [row.id],
          );
          if (live <= 1) throw new UnprocessableError('A product keeps at least one live variant.');
        }
        const updated = await updateReturning(
          m,
          `UPDATE product_variants SET
           sku = coalesce($3, sku), options = coalesce($4, options), price = coalesce($5, price),
           low_stock_threshold = coalesce($6, low_stock_threshold),
           archived = coalesce($7, archived), updated_at = now()
         WHERE id = $1 AND product_id = $2
           AND NOT EXISTS (SELECT 1 FROM product_variants o WHERE o.sku = $3 AND o.id <> $1)
         RETURNING id`,
          [
            variantId,
            row.id,
            input.sku ?? null,
            input.options ?? null,
            input.price ?? null,
            input.lowStockThreshold ?? null,
            input.archived ?? null,
          ],
        );
        if (!updated.length) throw new ConflictError(`The SKU ${input.sku} is taken.`);
        await this.products.refreshPriceRange(m, row.id);
      })
      .catch((error: unknown) => {
        // Two renames to the same SKU at once: the unique index decides.
        if (isUniqueViolation(error)) {
          throw new ConflictError(`The SKU ${input.sku} is taken.`);
        }
        throw error;
      });
    await this.cache.invalidate();
    return this.variant(variantId);
  }

  /** Adds one image (at most MAX_IMAGES); the file is checked by its bytes. */
  /** Stores `image` (re-encoded, with its thumbnail) as the product's next image. */
  async addImage(actor: Actor, id: string, image: Buffer): Promise<ProductResponse> {
    const row = await this.requireManaged(actor, id);
    if (row.images.length >= MAX_IMAGES) {
      throw new UnprocessableError(`A product has at most ${MAX_IMAGES} images.`);
    }
    const stored = await this.images.store('product', image);
    const updated = await updateReturning(
      this.db,
      `UPDATE products SET images = images || jsonb_build_array($2::text), updated_at = now()
        WHERE id = $1 AND jsonb_array_length(images) < $3 RETURNING id`,
      [row.id, stored.fileName, MAX_IMAGES],
    );
    if (!updated.length) {
      await this.images.remove('products', stored.fileName);
      throw new UnprocessableError(`A product has at most ${MAX_IMAGES} images.`);
    }
    await this.cache.invalidate();
    return this.reload(row.id);
  }

  /** The product if the actor may manage it: 404 when they may not even see it, else 403. */
  async requireManaged(actor: Actor, id: string): Promise<ProductRow> {
    const row = await this.products.findByIdOrSlug({ id });
    if (!row) throw new NotFoundError('No such product.');
    if (!this.canManage(actor, row)) {
      if (row.status === 'published') throw new ForbiddenError('This product is not in your shop.');
      throw new NotFoundError('No such product.');
    }
    return row;
  }

  private canManage(actor: Actor | undefined, row: ProductRow): boolean {
    return !!actor && (isAdmin(actor) || row.merchant_id === actor.id);
  }

  private async insertVariant(
    m: EntityManager,
    actor: Actor,
    productId: string,
    v: VariantInputDto,
    position: number,
  ): Promise<string> {
    const rows: { id: string }[] = await m.query(
      `INSERT INTO product_variants (product_id, sku, options, price, low_stock_threshold, position)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sku) DO NOTHING RETURNING id`,
      [productId, v.sku, v.options ?? {}, v.price, v.lowStockThreshold ?? 5, position],
    );
    if (!rows.length) throw new ConflictError(`The SKU ${v.sku} is taken.`, { sku: v.sku });
    if (v.stock > 0) {
      // A new row of stock 0 (no threshold to cross from 0): the lock it takes is uncontended.
      await this.variants.changeStock(m, new Map([[rows[0].id, v.stock]]), [
        {
          variantId: rows[0].id,
          delta: v.stock,
          reason: 'adjustment',
          actorId: actor.id,
          orderId: null,
          note: 'initial stock',
        },
      ]);
    }
    return rows[0].id;
  }

  private refuseDuplicateSkus(skus: string[]): void {
    const seen = new Set<string>();
    for (const sku of skus) {
      if (seen.has(sku)) throw new ConflictError(`The SKU ${sku} appears twice.`, { sku });
      seen.add(sku);
    }
  }

  private async resolveShop(actor: Actor, shopId: string | undefined): Promise<string> {
    const own = await this.shops.findByMerchant(actor.id);
    if (shopId && shopId !== own?.id) {
      if (!isAdmin(actor)) throw new ForbiddenError('You can only add products to your own shop.');
      if (!(await this.shops.exists(shopId))) {
        throw new ValidationFailedError([{ field: 'shopId', message: 'unknown shop' }]);
      }
      return shopId;
    }
    if (own) return own.id;
    if (isAdmin(actor)) {
      throw new ValidationFailedError([{ field: 'shopId', message: 'name the shop (admins)' }]);
    }
    throw new UnprocessableError('Create your shop first (PUT /api/v1/merchant/shop).');
  }

  private async requireCategory(id: string): Promise<void> {
    if (!(await this.categories.exists(id))) {
      throw new ValidationFailedError([{ field: 'categoryId', message: 'unknown category' }]);
    }
  }

  private async reload(id: string): Promise<ProductResponse> {
    const row = await this.products.findByIdOrSlug({ id });
    if (!row) throw new NotFoundError('No such product.');
    return this.toResponse(row);
  }

  private async variant(id: string): Promise<ManagedVariantResponse> {
    const rows: VariantRow[] = await this.db.query(
      `SELECT ${VARIANT_COLUMNS} FROM product_variants WHERE id = $1`,
      [id],
    );
    return toManagedVariant(rows[0]);
  }

  private toResponse(row: ProductRow): ProductResponse {
    return toProductResponse(row, (file) => this.images.urlOf('products', file));
  }
}
