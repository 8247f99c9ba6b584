import { FactoryProvider, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import {
  assertStripeConfigured,
  ConfiguredStripeConfig,
  StripeConfig,
  stripeConfig,
} from '../../../../config/stripe.config';
import {
  InvalidWebhookSignatureError,
  PaymentEvent,
  PaymentProvider,
  RefundInput,
  RefundResult,
  StartedPayment,
  StartPaymentInput,
} from '../../payment-provider';
import {
  PaymentProviderRejectedError,
  PaymentProviderUnavailableError,
} from '../../payment-provider-errors';

const PROVIDER = 'stripe';
/** Stripe's limit on one metadata value. */
const METADATA_VALUE_MAX = 500;
const FAILURE_MESSAGE_MAX = 200;

/** Stripe's idempotency keys for our ids: one PaymentIntent per payment, one refund per refund. */
export const stripeIdempotencyKey = {
  payment: (paymentId: string) => `payment:${paymentId}`,
  refund: (refundId: string) => `refund:${refundId}`,
};

/**
 * Card payments through Stripe: a PaymentIntent per payment (its client secret goes to the
 * buyer's browser, which confirms it with Stripe.js), webhooks verified against the raw body,
 * refunds against the PaymentIntent. Every call that creates something carries an idempotency
 * key derived from our id, so a retried checkout or refund never creates a second one (for
 * Stripe's 24 hours of key retention).
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe' as const;
  readonly window = 'card' as const;

  private readonly logger = new Logger(StripePaymentProvider.name);
  // Private fields: printing or serialising the provider shows neither the client nor a key.
  readonly #stripe: Stripe;
  readonly #webhookSecret: string;
  readonly #sendReceipts: boolean;

  constructor(config: ConfiguredStripeConfig) {
    this.#stripe = new Stripe(config.secretKey.reveal(), {
      maxNetworkRetries: config.maxNetworkRetries,
      timeout: config.timeoutMs,
      telemetry: false,
      appInfo: { name: 'shop-backend' },
      ...(config.api ?? {}),
    });
    this.#webhookSecret = config.webhookSecret.reveal();
    this.#sendReceipts = config.sendReceipts;
  }

  async start(input: StartPaymentInput): Promise<StartedPayment> {
    const intent = await this.call('create a PaymentIntent', () =>
      this.#stripe.paymentIntents.create(
        {
          amount: input.amount,
          currency: input.currency.toLowerCase(),
          automatic_payment_methods: { enabled: true },
          description: `Order ${input.orderNumber}`,
          metadata: {
            orderId: input.orderId,
            paymentId: input.paymentId,
            orderNumber: input.orderNumber,
          },
          ...(this.#sendReceipts && input.buyerEmail ? { receipt_email: input.buyerEmail } : {}),
        },
        { idempotencyKey: stripeIdempotencyKey.payment(input.paymentId) },
      ),
    );
    if (!intent.client_secret) {
      throw new PaymentProviderRejectedError(
        PROVIDER,
        `Stripe returned PaymentIntent ${intent.id} without a client secret.`,
      );
    }
    return { providerReference: intent.id, clientData: { clientSecret: intent.client_secret } };
  }

  parseWebhook(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): PaymentEvent[] {
    const event = this.verify(rawBody, headers);
    const occurredAt = new Date(event.created * 1000);
    const aboutIntent = (intent: Stripe.PaymentIntent) => ({
      eventId: event.id,
      providerReference: intent.id,
      orderId: intent.metadata?.orderId ?? null,
      currency: intent.currency,
      occurredAt,
    });
    if (event.type === 'payment_intent.succeeded') {
      const intent = event.data.object;
      return [
        { ...aboutIntent(intent), type: 'payment.succeeded', amount: intent.amount_received },
      ];
    }
    if (event.type === 'payment_intent.payment_failed') {
      const intent = event.data.object;
      return [
        {
          ...aboutIntent(intent),
          type: 'payment.failed',
          amount: intent.amount,
          failureMessage: describeFailure(intent.last_payment_error),
        },
      ];
    }
    if (event.type === 'charge.refunded') {
      const charge = event.data.object;
      const intentId =
        typeof charge.payment_intent === 'string'
          ? charge.payment_intent
          : (charge.payment_intent?.id ?? null);
      // A charge made without a PaymentIntent was not made by this shop.
      if (!intentId) return [];
      return [
        {
          eventId: event.id,
          type: 'payment.refunded',
          providerReference: intentId,
          orderId: charge.metadata?.orderId ?? null,
          amount: charge.amount_refunded,
          currency: charge.currency,
          occurredAt,
        },
      ];
    }
    // Every other type Stripe may send to this endpoint.
    return [];
  }

  async refund(input: RefundInput): Promise<RefundResult> {
    if (!input.providerReference) {
      throw new PaymentProviderRejectedError(
        PROVIDER,
        'This payment has no Stripe PaymentIntent to refund.',
        'payment_intent_missing',
      );
    }
    const paymentIntent = input.providerReference;
    const refund = await this.call('create a refund', () =>
      this.#stripe.refunds.create(
        {
          payment_intent: paymentIntent,
          amount: input.amount,
          metadata: {
            refundId: input.refundId,
            paymentId: input.paymentId,
            reason: input.reason.slice(0, METADATA_VALUE_MAX),
          },
        },
        { idempotencyKey: stripeIdempotencyKey.refund(input.refundId) },
      ),
    );
    if (refund.status === 'succeeded') {
      return { providerRefundId: refund.id, status: 'succeeded' };
    }
    if (refund.status === 'failed' || refund.status === 'canceled') {
      throw new PaymentProviderRejectedError(
        PROVIDER,
        `Stripe reports refund ${refund.id} as ${refund.status}.`,
        refund.failure_reason ?? `refund_${refund.status}`,
      );
    }
    // `pending` or `requires_action`: Stripe settles it later and sends charge.refunded.
    return { providerRefundId: refund.id, status: 'pending' };
  }

  private verify(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): Stripe.Event {
    const signature = headerValue(headers, 'stripe-signature');
    if (signature === undefined) {
      throw new InvalidWebhookSignatureError('The Stripe-Signature header is missing.');
    }
    if (Array.isArray(signature)) {
      throw new InvalidWebhookSignatureError('The request has more than one Stripe-Signature.');
    }
    try {
      return this.#stripe.webhooks.constructEvent(rawBody, signature, this.#webhookSecret);
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
        throw new InvalidWebhookSignatureError(
          /tolerance/i.test(error.message)
            ? 'The Stripe-Signature timestamp is too old.'
            : 'The Stripe-Signature does not verify against the request body.',
        );
      }
      // Signed with our secret yet not a Stripe event (not JSON, or a thin v2 notification).
      throw new InvalidWebhookSignatureError('The webhook body is not a Stripe event.');
    }
  }

  /** Runs one Stripe call and turns Stripe's errors into the two provider errors. */
  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw this.translate(what, error);
    }
  }

  private translate(what: string, error: unknown): unknown {
    if (!(error instanceof Stripe.errors.StripeError)) return error;
    const context = { providerRequestId: error.requestId ?? null };
    const { errors } = Stripe;
    if (
      error instanceof errors.StripeConnectionError ||
      error instanceof errors.StripeRateLimitError ||
      (error instanceof errors.StripeAPIError && (error.statusCode ?? 500) >= 409)
    ) {
      this.logger.warn(`Stripe unavailable, could not ${what}: ${error.type} ${error.message}`);
      return new PaymentProviderUnavailableError(PROVIDER, undefined, context);
    }
    if (
      error instanceof errors.StripeAuthenticationError ||
      error instanceof errors.StripePermissionError
    ) {
      // Stripe's own message shows the key masked; still, ours names only the variable.
      this.logger.error(`Stripe refused our credentials (check STRIPE_SECRET_KEY) to ${what}`);
      return new PaymentProviderRejectedError(
        PROVIDER,
        'The payment provider refused the shop’s credentials.',
        error.code ?? null,
        context,
      );
    }
    if (error instanceof errors.StripeIdempotencyError) {
      this.logger.error(`Stripe idempotency conflict, could not ${what}: ${error.message}`);
      return new PaymentProviderRejectedError(
        PROVIDER,
        'This payment was already started with different details.',
        'idempotency_error',
        context,
      );
    }
    // A declined card or a request Stripe refuses (amount too small, nothing left to refund).
    return new PaymentProviderRejectedError(
      PROVIDER,
      error.message || `Stripe refused to ${what}.`,
      error.code ?? (error instanceof errors.StripeCardError ? 'card_declined' : null),
      context,
    );
  }
}

function headerValue(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | string[] | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Stripe's message and code for the order history: never the payment method or card. */
function describeFailure(error: Stripe.PaymentIntent.LastPaymentError | null): string {
  if (!error) return 'The payment failed.';
  const code = error.decline_code ?? error.code;
  const text = `${error.message ?? 'The payment failed.'}${code ? ` (${code})` : ''}`;
  return text.slice(0, FAILURE_MESSAGE_MAX);
}

/** Builds the provider from the `stripe` config; refuses to when a secret is missing. */
export function stripeProviderFactory(config: StripeConfig): StripePaymentProvider {
  return new StripePaymentProvider(assertStripeConfigured(config));
}

/**
 * The Nest provider for the payments module to register (only when `PAYMENT_PROVIDERS`
 * includes `stripe`): `providers: [stripePaymentProvider]`, then inject StripePaymentProvider.
 */
export const stripePaymentProvider: FactoryProvider<StripePaymentProvider> = {
  provide: StripePaymentProvider,
  inject: [stripeConfig.KEY],
  useFactory: stripeProviderFactory,
};
