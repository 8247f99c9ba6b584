import { Module } from '@nestjs/common';
import { UploadsModule } from '../../common/uploads/uploads.module';
import { CatalogCache } from './catalog-cache';
import { CachedPublicReads } from './cached-public-reads';
import { CategoriesController } from './categories.controller';
import { CategoriesService } from './categories.service';
import { MerchantProductsController, ProductsController } from './products.controller';
import { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';
import { ShopsController } from './shops.controller';
import { ShopsService } from './shops.service';
import { VariantsRepository } from './variants.repository';

/**
 * Shops, categories, products with variants, and stock with its movement log. Owns `shops`,
 * `categories`, `products`, `product_variants`, `stock_movements`.
 * Exports: ProductsService, ShopsService, CatalogCache, VariantsRepository
 * (cart prices, checkout snapshots, the low-stock notice, and the stock statements that
 * InventoryModule's rules drive).
 */
@Module({
  imports: [UploadsModule],
  controllers: [
    MerchantProductsController,
    ShopsController,
    CategoriesController,
    ProductsController,
  ],
  providers: [
    CatalogCache,
    CachedPublicReads,
    ShopsService,
    CategoriesService,
    ProductsRepository,
    ProductsService,
    VariantsRepository,
  ],
  exports: [ProductsService, ShopsService, CatalogCache, VariantsRepository],
})
export class CatalogModule {}
