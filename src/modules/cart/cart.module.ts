import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { CartController } from './cart.controller';
import { CartService } from './cart.service';

/**
 * Redis carts for guests and users (owns the `cart:*` Redis keys, no table); prices come from
 * the catalog. Exports CartService (checkout reads and empties carts, auth merges a guest's).
 */
@Module({
  imports: [CatalogModule],
  controllers: [CartController],
  providers: [CartService],
  exports: [CartService],
})
export class CartModule {}
