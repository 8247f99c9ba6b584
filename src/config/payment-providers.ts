/** Names a payment provider is enabled by in `PAYMENT_PROVIDERS` (src/modules/payments). */
export const PAYMENT_PROVIDER_NAMES = ['manual', 'stripe'] as const;
export type PaymentProviderName = (typeof PAYMENT_PROVIDER_NAMES)[number];

/**
 * How long a buyer has to pay: `card` providers use `PAYMENT_TIMEOUT_CARD` (default 30 min),
 * `manual` ones `PAYMENT_TIMEOUT_MANUAL` (default 7 days).
 */
export type PaymentWindow = 'card' | 'manual';
