import { Module } from '@nestjs/common';
import { CartModule } from '../cart/cart.module';
import { CatalogModule } from '../catalog/catalog.module';
import { InventoryModule } from '../inventory/inventory.module';
import { OrdersModule } from '../orders/orders.module';
import { CheckoutRequestsRepository } from './checkout-requests.repository';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';

/**
 * `POST /checkout`: the cart becomes an order (see CheckoutService). Owns `checkout_requests`
 * (Idempotency-Keys). Exports nothing.
 */
@Module({
  imports: [CartModule, CatalogModule, InventoryModule, OrdersModule],
  controllers: [CheckoutController],
  providers: [CheckoutService, CheckoutRequestsRepository],
})
export class CheckoutModule {}
