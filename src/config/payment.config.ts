import { registerAs } from '@nestjs/config';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { PAYMENT_PROVIDER_NAMES, PaymentProviderName, PaymentWindow } from './payment-providers';
import { ConfigValidationError, parseDurationSeconds, validateEnv } from './validate-env';

class PaymentEnv {
  /** Enabled providers, comma-separated; the first is the checkout's default. */
  @IsString()
  PAYMENT_PROVIDERS: string = 'manual';

  /** How long a card payment (Stripe) may take before the order expires. */
  @IsString()
  PAYMENT_TIMEOUT_CARD: string = '30m';

  /** How long a bank transfer / cash-on-delivery order waits for its money. */
  @IsString()
  PAYMENT_TIMEOUT_MANUAL: string = '7d';

  /** How often each worker looks for unpaid orders past their window. */
  @IsString()
  PAYMENT_EXPIRY_SWEEP_INTERVAL: string = '30s';

  /** Bank details printed in the bank-transfer instructions (order answer and e-mail). */
  @IsString()
  @MaxLength(120)
  PAYMENT_BANK_ACCOUNT_HOLDER: string = 'Demo Shop Ltd';

  @IsString()
  @MaxLength(34)
  PAYMENT_BANK_IBAN: string = 'DE89370400440532013000';

  @IsString()
  @MaxLength(11)
  PAYMENT_BANK_BIC: string = 'COBADEFFXXX';

  @IsString()
  @MaxLength(120)
  PAYMENT_BANK_NAME: string = 'Demo Bank';

  /**
   * Shared secret of the manual provider's webhook (a bank-statement importer posting
   * received transfers to `/payments/manual/webhook`, HMAC-SHA256 signed). Unset: no webhook.
   */
  @IsOptional()
  @IsString()
  PAYMENT_MANUAL_WEBHOOK_SECRET?: string = undefined;
}

export interface BankDetails {
  accountHolder: string;
  iban: string;
  bic: string;
  bankName: string;
}

export interface PaymentConfig {
  /** Enabled providers in the order given; `providers[0]` is the default. */
  providers: PaymentProviderName[];
  timeoutSeconds: Record<PaymentWindow, number>;
  expirySweepIntervalSeconds: number;
  bank: BankDetails;
  manualWebhookSecret: string | undefined;
}

export function loadPaymentConfig(source: NodeJS.ProcessEnv = process.env): PaymentConfig {
  const raw = validateEnv(PaymentEnv, source);
  const problems: string[] = [];
  const names = [
    ...new Set(
      raw.PAYMENT_PROVIDERS.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((n) => !(PAYMENT_PROVIDER_NAMES as readonly string[]).includes(n));
  if (!names.length || unknown.length) {
    problems.push(
      `PAYMENT_PROVIDERS: must list one or more of ${PAYMENT_PROVIDER_NAMES.join(', ')}` +
        (unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''),
    );
  }
  const duration = (name: keyof PaymentEnv): number => {
    const seconds = parseDurationSeconds(String(raw[name]));
    if (!seconds) problems.push(`${name}: must be a duration such as 600, 30m, 12h or 7d`);
    return seconds ?? 0;
  };
  const card = duration('PAYMENT_TIMEOUT_CARD');
  const manual = duration('PAYMENT_TIMEOUT_MANUAL');
  const sweep = duration('PAYMENT_EXPIRY_SWEEP_INTERVAL');
  const secret = raw.PAYMENT_MANUAL_WEBHOOK_SECRET;
  if (secret !== undefined && secret.length < 16) {
    problems.push('PAYMENT_MANUAL_WEBHOOK_SECRET: must be at least 16 characters when set');
  }
  if (problems.length) throw new ConfigValidationError(problems);
  return {
    providers: names as PaymentProviderName[],
    timeoutSeconds: { card, manual },
    expirySweepIntervalSeconds: sweep,
    bank: {
      accountHolder: raw.PAYMENT_BANK_ACCOUNT_HOLDER,
      iban: raw.PAYMENT_BANK_IBAN,
      bic: raw.PAYMENT_BANK_BIC,
      bankName: raw.PAYMENT_BANK_NAME,
    },
    manualWebhookSecret: secret,
  };
}

export const paymentConfig = registerAs('payment', () => loadPaymentConfig());
