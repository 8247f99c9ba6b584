import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { CatalogCache } from '../catalog/catalog-cache';
import { ProductsService } from '../catalog/products.service';
import { OrderLapses } from '../orders/order-lapses';
import { OrdersRepository } from '../orders/orders.repository';
import { ReviewsRepository } from './reviews.repository';

/**
 * A review counts only while its author holds a paid order of the product that is not
 * cancelled, expired or fully refunded. Registered with the orders module's OrderLapses: in
 * the transaction that moves an order out of those statuses (the order locked), the buyer's
 * reviews of products they no longer hold a qualifying order of are hidden and leave the
 * products' ratings.
 */
@Injectable()
export class ReviewLapses implements OnModuleInit {
  constructor(
    private readonly reviews: ReviewsRepository,
    private readonly orders: OrdersRepository,
    private readonly products: ProductsService,
    private readonly cache: CatalogCache,
    private readonly lapses: OrderLapses,
  ) {}

  onModuleInit(): void {
    this.lapses.register((tx, orderId) => this.hideLapsed(tx, orderId));
  }

  /** In the transaction that moved the (locked) order out of the paid statuses. */
  async hideLapsed(tx: EntityManager, orderId: string): Promise<void> {
    const lapsed = await this.orders.lapsedPurchases(tx, orderId);
    if (!lapsed?.productIds.length) return;
    const hidden = await this.reviews.hide(tx, lapsed.userId, lapsed.productIds);
    for (const review of hidden) {
      await this.products.removeRating(tx, review.product_id, review.rating);
    }
    // Cached product reads may show the old rating until CATALOG_CACHE_TTL_MS passes (as they
    // do stock); the stored rating is exact at commit.
    if (hidden.length) void this.cache.invalidate().catch(() => undefined);
  }
}
