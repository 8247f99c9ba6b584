import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, ValidationFailedError } from '../../common/errors/domain-errors';
import { paymentConfig, PaymentConfig } from '../../config';
import { PaymentProvider, PaymentProviderName } from './payment-provider';

/** Every provider class the app knows (enabled or not), injected as one list. */
export const PAYMENT_PROVIDER_CLASSES = Symbol('PAYMENT_PROVIDER_CLASSES');

/**
 * The providers enabled by PAYMENT_PROVIDERS, in that order (the first is the default). A
 * name listed there without a provider class stops the start.
 */
@Injectable()
export class PaymentProviderRegistry {
  private readonly enabled = new Map<PaymentProviderName, PaymentProvider>();

  constructor(
    @Inject(paymentConfig.KEY) config: PaymentConfig,
    @Inject(PAYMENT_PROVIDER_CLASSES) known: PaymentProvider[],
  ) {
    for (const name of config.providers) {
      const provider = known.find((p) => p.name === name);
      if (!provider) {
        throw new Error(`PAYMENT_PROVIDERS: no provider "${name}" is built into this version`);
      }
      this.enabled.set(name, provider);
    }
  }

  get names(): PaymentProviderName[] {
    return [...this.enabled.keys()];
  }

  get defaultName(): PaymentProviderName {
    return this.names[0];
  }

  /** The provider a checkout asks for (the default when none): 400 when not enabled. */
  forCheckout(name: string | undefined): PaymentProvider {
    const provider = this.enabled.get((name ?? this.defaultName) as PaymentProviderName);
    if (!provider) {
      throw new ValidationFailedError(
        [{ field: 'paymentMethod', message: `must be one of ${this.names.join(', ')}` }],
        `Payment method "${name}" is not available; choose one of: ${this.names.join(', ')}.`,
      );
    }
    return provider;
  }

  /** The provider a webhook names in its URL: 404 when not enabled. */
  forWebhook(name: string): PaymentProvider {
    const provider = this.enabled.get(name as PaymentProviderName);
    if (!provider) throw new NotFoundError(`No payment provider "${name}".`);
    return provider;
  }

  /**
   * The provider of an existing payment. A provider disabled since the order was placed still
   * answers for it when its class is built in (refunds must go back the way money came).
   */
  forPayment(name: PaymentProviderName): PaymentProvider {
    const provider = this.enabled.get(name);
    if (!provider) throw new Error(`Payment provider "${name}" is not enabled`);
    return provider;
  }
}
