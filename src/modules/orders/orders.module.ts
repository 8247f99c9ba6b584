import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { InventoryModule } from '../inventory/inventory.module';
import { AdminOrdersController } from './admin-orders.controller';
import { MerchantOrdersController } from './merchant-orders.controller';
import { OrderLapses } from './order-lapses';
import { OrderPaymentsLink } from './order-payments';
import { OrderStatusService } from './order-status.service';
import { OrdersController } from './orders.controller';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

/**
 * Order reads (buyer, admin, merchant) and the status state machine. Owns `orders`,
 * `order_items`, `order_status_history`. Exports OrdersRepository (place an order, lock one
 * and change its status with history, the views, invoice data, anonymisation, purchase check),
 * OrdersService and OrderStatusService (the state machine's transitions).
 */
@Module({
  imports: [InventoryModule, CatalogModule],
  controllers: [OrdersController, AdminOrdersController, MerchantOrdersController],
  providers: [OrdersRepository, OrdersService, OrderStatusService, OrderPaymentsLink, OrderLapses],
  exports: [OrdersRepository, OrdersService, OrderStatusService, OrderPaymentsLink, OrderLapses],
})
export class OrdersModule {}
