import { Module } from '@nestjs/common';
import { paymentConfig, PaymentConfig } from '../../config';
import { stripeConfig, StripeConfig } from '../../config/stripe.config';
import { OrdersModule } from '../orders/orders.module';
import { AdminPaymentsController } from './admin-payments.controller';
import { PaymentProvider } from './payment-provider';
import { PAYMENT_PROVIDER_CLASSES, PaymentProviderRegistry } from './payment-provider.registry';
import { PaymentsController } from './payments.controller';
import { PaymentsRepository } from './payments.repository';
import { PaymentsService } from './payments.service';
import { ManualPaymentProvider } from './providers/manual/manual-payment.provider';
import { stripeProviderFactory } from './providers/stripe/stripe-payment.provider';

/**
 * The providers this process can use. A provider that needs credentials is built only when
 * PAYMENT_PROVIDERS enables it (Stripe then refuses to start without its two secrets).
 * Adding a provider: its class under `providers/`, one line here, its name in
 * PAYMENT_PROVIDER_NAMES.
 */
function buildProviders(
  payment: PaymentConfig,
  stripe: StripeConfig,
  manual: ManualPaymentProvider,
): PaymentProvider[] {
  const enabled = (name: string) => payment.providers.some((p) => p === name);
  return [manual, ...(enabled('stripe') ? [stripeProviderFactory(stripe)] : [])];
}

/**
 * Payments: providers behind one interface (`payment-provider.ts`), enabled by
 * PAYMENT_PROVIDERS; the payment of each order, money received, webhooks, expiry and refunds.
 */
@Module({
  imports: [OrdersModule],
  controllers: [PaymentsController, AdminPaymentsController],
  providers: [
    ManualPaymentProvider,
    {
      provide: PAYMENT_PROVIDER_CLASSES,
      inject: [paymentConfig.KEY, stripeConfig.KEY, ManualPaymentProvider],
      useFactory: buildProviders,
    },
    PaymentProviderRegistry,
    PaymentsRepository,
    PaymentsService,
  ],
  exports: [PaymentsService, PaymentsRepository, PaymentProviderRegistry],
})
export class PaymentsModule {}
