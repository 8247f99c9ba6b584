import { Module } from '@nestjs/common';
import { InventoryModule } from '../inventory/inventory.module';
import { CatalogCache } from './catalog-cache';
import { CategoriesController } from './categories.controller';
import { CategoriesService } from './categories.service';
import { ProductsController } from './products.controller';
import { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';
import { ReviewEligibility } from './review-eligibility';
import { ReviewsService } from './reviews.service';
import { ShopsController } from './shops.controller';
import { ShopsService } from './shops.service';

/** Shops, categories, products with variants, and reviews. Stock lives in InventoryModule. */
@Module({
  imports: [InventoryModule],
  controllers: [ShopsController, CategoriesController, ProductsController],
  providers: [
    CatalogCache,
    ShopsService,
    CategoriesService,
    ProductsRepository,
    ProductsService,
    ReviewsService,
    ReviewEligibility,
  ],
  exports: [ProductsService, ShopsService, ReviewEligibility, CatalogCache],
})
export class CatalogModule {}
