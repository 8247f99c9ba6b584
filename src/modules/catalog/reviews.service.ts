import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor } from '../../common/decorators/current-user.decorator';
import { ConflictError, ForbiddenError } from '../../common/errors/domain-errors';
import { decodeCursor, Page, toPage } from '../../common/pagination/cursor';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { CatalogCache } from './catalog-cache';
import { CreateReviewDto, ReviewResponse } from './dto/review.dto';
import { ProductsService } from './products.service';
import { ReviewEligibility } from './review-eligibility';

interface ReviewRow {
  id: string;
  product_id: string;
  author: string;
  rating: number;
  comment: string | null;
  created_at: Date;
  sort_key: string;
}

const toReviewResponse = (r: ReviewRow): ReviewResponse => ({
  id: r.id,
  productId: r.product_id,
  author: r.author,
  rating: r.rating,
  comment: r.comment,
  createdAt: new Date(r.created_at).toISOString(),
});

const REVIEW_COLUMNS = `r.id, r.product_id, u.name AS author, r.rating, r.comment, r.created_at,
  r.created_at::text AS sort_key`;

/** One review per user and product, by buyers only; the product's sum and count stay exact. */
@Injectable()
export class ReviewsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly products: ProductsService,
    private readonly eligibility: ReviewEligibility,
    private readonly cache: CatalogCache,
  ) {}

  async list(
    actor: Actor | undefined,
    productId: string,
    page: PageQueryDto,
  ): Promise<Page<ReviewResponse>> {
    await this.products.get(actor, productId);
    const values: unknown[] = [productId, page.limit + 1];
    let after = '';
    if (page.cursor) {
      const c = decodeCursor(page.cursor, 'reviews');
      values.push(c.v, c.id);
      after = `AND (r.created_at, r.id) < ($3::timestamptz, $4::uuid)`;
    }
    const rows: ReviewRow[] = await this.db.query(
      `SELECT ${REVIEW_COLUMNS} FROM reviews r JOIN users u ON u.id = r.user_id
        WHERE r.product_id = $1 AND r.hidden_at IS NULL ${after}
        ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      values,
    );
    return toPage(rows, page.limit, toReviewResponse, (r) => ({
      s: 'reviews',
      v: r.sort_key,
      id: r.id,
    }));
  }

  async create(actor: Actor, productId: string, input: CreateReviewDto): Promise<ReviewResponse> {
    const product = await this.products.get(undefined, productId);
    if (await this.eligibility.isOwnProduct(actor.id, product.id)) {
      throw new ForbiddenError('You cannot review the products of your own shop.');
    }
    const id = await this.db.transaction(async (m) => {
      if (!(await this.eligibility.hasPurchased(m, actor.id, product.id))) {
        throw new ForbiddenError(
          'Only customers with a paid order for this product (not cancelled, expired or ' +
            'refunded) can review it.',
        );
      }
      const rows: { id: string }[] = await m.query(
        `INSERT INTO reviews (product_id, user_id, rating, comment) VALUES ($1, $2, $3, $4)
         ON CONFLICT (product_id, user_id) DO NOTHING RETURNING id`,
        [product.id, actor.id, input.rating, input.comment ?? null],
      );
      if (!rows.length) throw new ConflictError('You have already reviewed this product.');
      await m.query(
        `UPDATE products SET rating_sum = rating_sum + $2, rating_count = rating_count + 1
          WHERE id = $1`,
        [product.id, input.rating],
      );
      return rows[0].id;
    });
    await this.cache.invalidate();
    const rows: ReviewRow[] = await this.db.query(
      `SELECT ${REVIEW_COLUMNS} FROM reviews r JOIN users u ON u.id = r.user_id WHERE r.id = $1`,
      [id],
    );
    return toReviewResponse(rows[0]);
  }
}
