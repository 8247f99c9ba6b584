import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CatalogCache } from './catalog-cache';

/** Order statuses in which a buyer has bought what the order holds (paid, not given back). */
const QUALIFYING = `('paid', 'shipped', 'delivered', 'partially_refunded')`;

/**
 * The one place that decides whether a user bought a product: they hold a paid order for it
 * that is not cancelled, expired or fully refunded. A review whose author stops qualifying
 * (the order is refunded, cancelled) stops counting: hidden, and out of the rating.
 */
@Injectable()
export class ReviewEligibility {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly cache: CatalogCache,
  ) {}

  /**
   * Inside a review's transaction: locks the qualifying orders `FOR SHARE` until the review is
   * written, so a refund or cancellation either waits for it (and then hides it) or has
   * already made the buyer ineligible.
   */
  async hasPurchased(tx: EntityManager, userId: string, productId: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `SELECT 1 FROM orders o
        WHERE o.user_id = $1 AND o.status IN ${QUALIFYING}
          AND EXISTS (SELECT 1 FROM order_items it
                       WHERE it.order_id = o.id AND it.product_id = $2)
          FOR SHARE OF o`,
      [userId, productId],
    );
    return rows.length > 0;
  }

  /** Whether the product belongs to a shop of this merchant (who may not review it). */
  async isOwnProduct(userId: string, productId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM products p JOIN shops s ON s.id = p.shop_id
        WHERE p.id = $1 AND s.merchant_id = $2`,
      [productId, userId],
    );
    return rows.length > 0;
  }

  /**
   * In the transaction that just moved the order out of the qualifying statuses (the order
   * locked): hides its buyer's reviews of its products when no other order still qualifies,
   * and takes them out of the products' ratings.
   */
  async hideLapsed(tx: EntityManager, orderId: string): Promise<number> {
    const hidden: { product_id: string }[] = await tx.query(
      `WITH lapsed AS (
         SELECT r.id, r.product_id, r.rating FROM reviews r
           JOIN orders o ON o.id = $1 AND r.user_id = o.user_id
          WHERE r.hidden_at IS NULL
            AND r.product_id IN (SELECT it.product_id FROM order_items it WHERE it.order_id = $1)
            AND NOT EXISTS (
                  SELECT 1 FROM order_items it2 JOIN orders o2 ON o2.id = it2.order_id
                   WHERE it2.product_id = r.product_id AND o2.user_id = r.user_id
                     AND o2.status IN ${QUALIFYING})
            FOR UPDATE OF r
       ), hide AS (
         UPDATE reviews r SET hidden_at = now() FROM lapsed WHERE r.id = lapsed.id
       ), rating AS (
         UPDATE products p SET rating_sum = p.rating_sum - l.sum, rating_count = p.rating_count - l.n
           FROM (SELECT product_id, sum(rating)::int AS sum, count(*)::int AS n
                   FROM lapsed GROUP BY product_id) l
          WHERE p.id = l.product_id
       )
       SELECT product_id FROM lapsed`,
      [orderId],
    );
    // Cached product reads may show the old rating until CATALOG_CACHE_TTL_MS passes (as they
    // do stock); the stored rating is exact at commit.
    if (hidden.length) void this.cache.invalidate().catch(() => undefined);
    return hidden.length;
  }
}
