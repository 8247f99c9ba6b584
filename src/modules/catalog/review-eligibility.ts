import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * The one place that decides whether a user bought a product: they have an order holding it
 * that was not cancelled (a refunded order still counts: the buyer had the product).
 */
@Injectable()
export class ReviewEligibility {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async hasPurchased(userId: string, productId: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM order_items it JOIN orders o ON o.id = it.order_id
        WHERE it.product_id = $2 AND o.user_id = $1 AND o.status <> 'cancelled'
        LIMIT 1`,
      [userId, productId],
    );
    return rows.length > 0;
  }
}
