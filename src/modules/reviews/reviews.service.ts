import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../../common/decorators/current-user.decorator';
import { ConflictError, ForbiddenError } from '../../common/errors/domain-errors';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CatalogCache } from '../catalog/catalog-cache';
import { ProductsService } from '../catalog/products.service';
import { ShopsService } from '../catalog/shops.service';
import { OrdersRepository } from '../orders/orders.repository';
import { UsersService } from '../users/users.service';
import { CreateReviewDto, ReviewResponse } from './dto/review.dto';
import { ReviewRow, ReviewsRepository } from './reviews.repository';

const toReviewResponse = (r: ReviewRow, author: string): ReviewResponse => ({
  id: r.id,
  productId: r.product_id,
  author,
  rating: r.rating,
  comment: r.comment,
  createdAt: new Date(r.created_at).toISOString(),
});

/**
 * One review per user and product, by buyers only: a paid order holding it that is not
 * cancelled, expired or fully refunded (asked of the orders module); never the merchant's own
 * products (ReviewLapses hides the reviews whose purchase lapses); the product's rating sum
 * and count (the catalog's) stay exact.
 */
@Injectable()
export class ReviewsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reviews: ReviewsRepository,
    private readonly products: ProductsService,
    private readonly orders: OrdersRepository,
    private readonly users: UsersService,
    private readonly cache: CatalogCache,
    private readonly shops: ShopsService,
  ) {}

  async list(
    actor: Actor | undefined,
    productId: string,
    page: PageQueryDto,
  ): Promise<Page<ReviewResponse>> {
    await this.products.get(actor, productId);
    const after = page.cursor ? decodeCursor(page.cursor, 'reviews', 'timestamp') : undefined;
    const rows = await this.reviews.page(
      productId,
      page.limit,
      after && { at: after.v, id: after.id },
    );
    const names = await this.users.displayNames(rows.slice(0, page.limit).map((r) => r.user_id));
    return toPage(
      rows,
      page.limit,
      (r) => toReviewResponse(r, names.get(r.user_id) ?? ''),
      (r) => ({ s: 'reviews', v: r.sort_key, id: r.id }),
    );
  }

  async create(actor: Actor, productId: string, input: CreateReviewDto): Promise<ReviewResponse> {
    const product = await this.products.get(undefined, productId);
    const own = await this.shops.findByMerchant(actor.id);
    if (own && own.id === product.shop.id) {
      throw new ForbiddenError('You cannot review the products of your own shop.');
    }
    const review = await this.db.transaction(async (tx) => {
      if (!(await this.orders.hasPurchased(tx, actor.id, product.id))) {
        throw new ForbiddenError(
          'Only customers with a paid order for this product (not cancelled, expired or ' +
            'refunded) can review it.',
        );
      }
      const row = await this.reviews.insert(tx, {
        productId: product.id,
        userId: actor.id,
        rating: input.rating,
        comment: input.comment ?? null,
      });
      if (!row) throw new ConflictError('You have already reviewed this product.');
      await this.products.addRating(tx, product.id, input.rating);
      return row;
    });
    await this.cache.invalidate();
    return toReviewResponse(review, actor.name);
  }
}
