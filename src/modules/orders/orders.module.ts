import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { InventoryModule } from '../inventory/inventory.module';
import { AdminOrdersController } from './admin-orders.controller';
import { MerchantOrdersController } from './merchant-orders.controller';
import { OrderPaymentsLink } from './order-payments';
import { OrderStatusService } from './order-status.service';
import { OrdersController } from './orders.controller';
import { OrdersService } from './orders.service';

/**
 * Order reads (buyer, admin, merchant) and the status state machine. Orders are created by
 * checkout; `OrderStatusService` is the one place that changes their status.
 */
@Module({
  imports: [InventoryModule, CatalogModule],
  controllers: [OrdersController, AdminOrdersController, MerchantOrdersController],
  providers: [OrdersService, OrderStatusService, OrderPaymentsLink],
  exports: [OrdersService, OrderStatusService, OrderPaymentsLink],
})
export class OrdersModule {}
