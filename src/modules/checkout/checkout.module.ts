import { Module } from '@nestjs/common';
import { CartModule } from '../cart/cart.module';
import { CatalogModule } from '../catalog/catalog.module';
import { InventoryModule } from '../inventory/inventory.module';
import { OrdersModule } from '../orders/orders.module';
import { PaymentsModule } from '../payments/payments.module';
import { CheckoutRequestsRepository } from './checkout-requests.repository';
import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';

/**
 * `POST /checkout`: the cart becomes an order awaiting its payment (see CheckoutService). Owns `checkout_requests`
 * (Idempotency-Keys). Exports nothing.
 */
@Module({
  imports: [CartModule, CatalogModule, InventoryModule, OrdersModule, PaymentsModule],
  controllers: [CheckoutController],
  providers: [CheckoutService, CheckoutRequestsRepository],
})
export class CheckoutModule {}
