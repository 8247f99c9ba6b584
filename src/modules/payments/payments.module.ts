import { Module } from '@nestjs/common';
import { OrdersModule } from '../orders/orders.module';
import { AdminPaymentsController } from './admin-payments.controller';
import { PaymentProvider } from './payment-provider';
import { PAYMENT_PROVIDER_CLASSES, PaymentProviderRegistry } from './payment-provider.registry';
import { PaymentsController } from './payments.controller';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';
import { ManualPaymentProvider } from './providers/manual/manual-payment.provider';

/**
 * Payments: providers behind one interface (`payment-provider.ts`), enabled by
 * PAYMENT_PROVIDERS; the payment of each order, money received, webhooks, expiry and refunds.
 * Adding a provider: its class under `providers/`, listed in `PROVIDER_CLASSES` below.
 */
const PROVIDER_CLASSES = [ManualPaymentProvider];

@Module({
  imports: [OrdersModule],
  controllers: [PaymentsController, AdminPaymentsController],
  providers: [
    ...PROVIDER_CLASSES,
    {
      provide: PAYMENT_PROVIDER_CLASSES,
      useFactory: (...providers: PaymentProvider[]) => providers,
      inject: PROVIDER_CLASSES,
    },
    PaymentProviderRegistry,
    PaymentsRepository,
    PaymentsService,
  ],
  exports: [PaymentsService, PaymentsRepository, PaymentProviderRegistry],
})
export class PaymentsModule {}
