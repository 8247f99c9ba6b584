import { DomainError } from '../../common/errors/domain-errors';

/**
 * Errors a PaymentProvider throws when talking to its provider fails. Both are domain errors,
 * so the global filter answers them as problem details. Their detail and extensions never
 * carry credentials or card data.
 */

/**
 * The provider could not be reached, timed out, or answered that it is overloaded or broken
 * (network error, 429, 5xx) after the SDK's retries: try again later. Answered 503.
 */
export class PaymentProviderUnavailableError extends DomainError {
  readonly status = 503;
  readonly type = 'payment-provider-unavailable';
  readonly title = 'The payment provider is unavailable';

  constructor(
    readonly provider: string,
    detail = `The payment provider (${provider}) cannot be reached right now; try again shortly.`,
    extensions: Record<string, unknown> = {},
  ) {
    super(detail, { provider, ...extensions });
  }
}

/**
 * The provider answered and refused the request (a declined card, an invalid request, a
 * refund larger than what is left, our credentials refused). Retrying the same request will
 * not help. Answered 502: the failure is between us and the provider, not in the client's
 * request as we received it.
 */
export class PaymentProviderRejectedError extends DomainError {
  readonly status = 502;
  readonly type = 'payment-provider-rejected';
  readonly title = 'The payment provider refused the request';

  constructor(
    readonly provider: string,
    detail: string,
    /** The provider's own error code (Stripe: `card_declined`, `amount_too_small`, ...). */
    readonly providerCode: string | null = null,
    extensions: Record<string, unknown> = {},
  ) {
    super(detail, { provider, providerCode, ...extensions });
  }
}
