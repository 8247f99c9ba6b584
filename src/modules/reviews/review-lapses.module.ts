import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { OrdersModule } from '../orders/orders.module';
import { ReviewLapses } from './review-lapses';
import { ReviewsRepository } from './reviews.repository';

/**
 * Hides reviews whose purchase lapsed (see ReviewLapses). Imported by ReviewsModule (the API)
 * and by the payments' processors (the worker expires and refunds orders), without the routes.
 * Exports ReviewsRepository to ReviewsModule.
 */
@Module({
  imports: [CatalogModule, OrdersModule],
  providers: [ReviewsRepository, ReviewLapses],
  exports: [ReviewsRepository],
})
export class ReviewLapsesModule {}
