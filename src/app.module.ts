import { DynamicModule, Module } from '@nestjs/common';
import { UploadsModule } from './common/uploads/uploads.module';
import { CoreModule } from './core.module';
import { HealthModule } from './modules/health/health.module';
import { MailMetricsModule } from './modules/mail/mail-metrics.module';
import { MetricsModule } from './modules/metrics/metrics.module';
import { AuthModule } from './modules/auth/auth.module';
import { UserAccountsModule } from './modules/users/user-accounts.module';
import { UsersModule } from './modules/users/users.module';
import { CartModule } from './modules/cart/cart.module';
import { CatalogModule } from './modules/catalog/catalog.module';
import { CheckoutModule } from './modules/checkout/checkout.module';
import { InventoryModule } from './modules/inventory/inventory.module';
import { OrdersModule } from './modules/orders/orders.module';
import { ReviewsModule } from './modules/reviews/reviews.module';
import { InvoicesModule } from './modules/invoices/invoices.module';
import { PaymentsModule } from './modules/payments/payments.module';
import { QueueDashboardModule } from './modules/queue-dashboard/queue-dashboard.module';
import { ProcessorsModule } from './worker.module';

export interface AppModuleOptions {
  /** Run the queue processors inside the API process too (one-process local runs). */
  runWorkers: boolean;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule,
        UploadsModule,
        MetricsModule,
        MailMetricsModule,
        HealthModule,
        UsersModule,
        AuthModule,
        UserAccountsModule,
        InventoryModule,
        CatalogModule,
        OrdersModule,
        ReviewsModule,
        CartModule,
        CheckoutModule,
        PaymentsModule,
        InvoicesModule,
        QueueDashboardModule,
        ...(options.runWorkers ? [ProcessorsModule] : []),
      ],
    };
  }
}
