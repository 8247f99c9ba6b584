/**
 * The one interface every payment provider implements. Checkout, orders and refunds talk to
 * providers only through it: adding a provider is one class implementing it plus one config
 * entry (`PAYMENT_PROVIDERS`).
 *
 * Amounts are integer minor units in the store currency (lower-case ISO code, as Stripe uses).
 */

// The provider names and payment windows live in config (PAYMENT_PROVIDERS is validated
// against them).
import {
  PAYMENT_PROVIDER_NAMES,
  type PaymentProviderName,
  type PaymentWindow,
} from '../../config/payment-providers';
export { PAYMENT_PROVIDER_NAMES, type PaymentProviderName, type PaymentWindow };

/** What the payments module asks a provider to start for an order it has just placed. */
export interface StartPaymentInput {
  /** Our payment id (uuid); providers derive their idempotency key from it. */
  paymentId: string;
  orderId: string;
  /** The human-facing order number, e.g. the bank-transfer reference. */
  orderNumber: string;
  amount: number;
  currency: string;
  buyerEmail: string;
}

export interface StartedPayment {
  /** The provider's id for this payment (Stripe: the PaymentIntent id); null when it has none. */
  providerReference: string | null;
  /**
   * What the client needs to complete the payment, returned in the checkout answer's `payment`
   * (Stripe: `{ clientSecret }`; manual: bank-transfer instructions and the reference).
   */
  clientData: Record<string, unknown>;
}

/** A provider-neutral event parsed from a verified webhook. */
export type PaymentEventType = 'payment.succeeded' | 'payment.failed' | 'payment.refunded';

export interface PaymentEvent {
  /** The provider's event id (unique per provider): duplicates are recognised by it. */
  eventId: string;
  type: PaymentEventType;
  /** The provider's payment id the event is about (Stripe: the PaymentIntent id). */
  providerReference: string;
  /** Our order id when the provider echoes it back (Stripe: `metadata.orderId`). */
  orderId: string | null;
  /**
   * For `payment.succeeded`: the amount received; for `payment.refunded`: the total refunded so
   * far on the provider's side; for `payment.failed`: the amount that was attempted.
   */
  amount: number;
  currency: string;
  occurredAt: Date;
  /** A short reason for failures, for the order history; never card data. */
  failureMessage?: string;
  /**
   * For `payment.succeeded`: names the money received, so that two events about the same
   * money count it once. Default: `providerReference` (one payment, e.g. a PaymentIntent, is
   * received once). The manual provider sets the event id: each bank transfer is new money.
   */
  receiptKey?: string;
}

export interface RefundInput {
  paymentId: string;
  /** Our refund id (uuid); providers derive their idempotency key from it. */
  refundId: string;
  providerReference: string | null;
  amount: number;
  currency: string;
  reason: string;
}

export interface RefundResult {
  /** The provider's refund id; null for manual refunds an admin pays out by hand. */
  providerRefundId: string | null;
  /** `pending` when money still has to be paid out by hand (manual provider). */
  status: 'succeeded' | 'pending';
}

/** A webhook whose signature does not verify; answered 400, and nothing changes. */
export class InvalidWebhookSignatureError extends Error {
  constructor(message = 'The webhook signature does not verify') {
    super(message);
    this.name = 'InvalidWebhookSignatureError';
  }
}

export interface PaymentProvider {
  readonly name: PaymentProviderName;
  readonly window: PaymentWindow;
  /** Starts a payment for an order; safe to call twice with the same paymentId. */
  start(input: StartPaymentInput): Promise<StartedPayment>;
  /**
   * For a provider whose start calls no one (manual): what `start` answers, known before the
   * payment row exists, so that checkout writes the payment started in its own transaction (no
   * start claim, no update after the commit). A provider that calls out leaves it undefined.
   */
  startAtOnce?(input: Omit<StartPaymentInput, 'paymentId'>): StartedPayment;
  /**
   * Verifies a webhook against its raw body and headers and parses it into neutral events
   * (an event type the provider sends but we do not use parses to `[]`).
   * Throws InvalidWebhookSignatureError when it does not verify.
   */
  parseWebhook(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): PaymentEvent[];
  /** Refunds an amount of a captured payment; safe to call twice with the same refundId. */
  refund(input: RefundInput): Promise<RefundResult>;
}
