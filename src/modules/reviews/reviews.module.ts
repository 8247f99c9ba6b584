import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { OrdersModule } from '../orders/orders.module';
import { UsersModule } from '../users/users.module';
import { ReviewLapsesModule } from './review-lapses.module';
import { ReviewsController } from './reviews.controller';
import { ReviewsService } from './reviews.service';

/**
 * Product reviews by verified buyers (`GET|POST /products/:id/reviews`). Owns `reviews`; asks
 * the orders module whether the user bought the product, the catalog to keep the product's
 * rating, the users module for authors' names. Exports nothing.
 */
@Module({
  imports: [CatalogModule, OrdersModule, UsersModule, ReviewLapsesModule],
  controllers: [ReviewsController],
  providers: [ReviewsService],
})
export class ReviewsModule {}
