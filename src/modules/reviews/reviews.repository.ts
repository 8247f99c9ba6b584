import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { updateReturning } from '../../database/sql';

/** A review as stored; the author's display name comes from the users module. */
export interface ReviewRow {
  id: string;
  product_id: string;
  user_id: string;
  rating: number;
  comment: string | null;
  created_at: Date;
  sort_key: string;
}

const REVIEW_COLUMNS = `r.id, r.product_id, r.user_id, r.rating, r.comment, r.created_at,
  r.created_at::text AS sort_key`;

/** Every statement on `reviews`. */
@Injectable()
export class ReviewsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A newest-first keyset page of a product's reviews (`limit + 1` rows). */
  page(
    productId: string,
    limit: number,
    after: { at: string | null; id: string } | undefined,
  ): Promise<ReviewRow[]> {
    const values: unknown[] = [productId, limit + 1];
    let condition = '';
    if (after) {
      values.push(after.at, after.id);
      condition = `AND (r.created_at, r.id) < ($3::timestamptz, $4::uuid)`;
    }
    return this.db.query(
      `SELECT ${REVIEW_COLUMNS} FROM reviews r
        WHERE r.product_id = $1 AND r.hidden_at IS NULL ${condition}
        ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      values,
    );
  }

  /** The user's review of the product, inserted; undefined when they already have one. */
  async insert(
    tx: EntityManager,
    review: { productId: string; userId: string; rating: number; comment: string | null },
  ): Promise<ReviewRow | undefined> {
    const [row] = await tx.query<ReviewRow[]>(
      `INSERT INTO reviews AS r (product_id, user_id, rating, comment) VALUES ($1, $2, $3, $4)
       ON CONFLICT (product_id, user_id) DO NOTHING RETURNING ${REVIEW_COLUMNS}`,
      [review.productId, review.userId, review.rating, review.comment],
    );
    return row;
  }

  /**
   * Hides the user's visible reviews of these products (their purchase lapsed), in the
   * caller's transaction; answers what was hidden, for the products' ratings.
   */
  hide(
    tx: EntityManager,
    userId: string,
    productIds: string[],
  ): Promise<{ product_id: string; rating: number }[]> {
    if (!productIds.length) return Promise.resolve([]);
    return updateReturning(
      tx,
      `UPDATE reviews SET hidden_at = now()
        WHERE user_id = $1 AND product_id = ANY($2::uuid[]) AND hidden_at IS NULL
        RETURNING product_id, rating`,
      [userId, productIds],
    );
  }
}
