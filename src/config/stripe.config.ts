import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsUrl, Matches, Max, Min } from 'class-validator';
import { Secret } from './secret';
import { ConfigValidationError, nodeEnv, parseBoolean, validateEnv } from './validate-env';

class StripeEnv {
  /** Secret (`sk_…`) or restricted (`rk_…`) API key. Required when Stripe is enabled. */
  @IsOptional()
  @Matches(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, {
    message: 'must be a Stripe secret or restricted API key (sk_test_…, sk_live_…, rk_…)',
  })
  STRIPE_SECRET_KEY?: string = undefined;

  /** The signing secret of the webhook endpoint (`whsec_…`). Required when Stripe is enabled. */
  @IsOptional()
  @Matches(/^whsec_[A-Za-z0-9+/=_]+$/, { message: 'must be a webhook signing secret (whsec_…)' })
  STRIPE_WEBHOOK_SECRET?: string = undefined;

  /** Another address for Stripe's API (a local test server); unset: Stripe's own. */
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'must be an http:// or https:// URL such as http://127.0.0.1:12111' },
  )
  STRIPE_API_BASE?: string = undefined;

  /** Milliseconds one Stripe API request may take before it is abandoned (and maybe retried). */
  @IsInt()
  @Min(100)
  @Max(120_000)
  STRIPE_TIMEOUT_MS: number = 10_000;

  /** Retries of a request that failed on the network, a 409 or a 5xx (same idempotency key). */
  @IsInt()
  @Min(0)
  @Max(5)
  STRIPE_MAX_NETWORK_RETRIES: number = 2;

  /** Have Stripe e-mail its own receipt to the buyer as well (the shop sends its confirmation). */
  @Transform(({ value }) => parseBoolean(value))
  @IsBoolean()
  STRIPE_SEND_RECEIPTS: boolean | string = false;
}

/** Where the SDK sends its requests, in the form its `host`/`port`/`protocol` options take. */
export interface StripeApiAddress {
  protocol: 'http' | 'https';
  host: string;
  port: number;
}

export interface StripeConfig {
  /** Unset unless configured; `reveal()` it only to hand it to the SDK. */
  secretKey?: Secret;
  webhookSecret?: Secret;
  /** Unset: Stripe's own API. */
  api?: StripeApiAddress;
  timeoutMs: number;
  maxNetworkRetries: number;
  /** Pass the buyer's e-mail as `receipt_email`, so Stripe sends its receipt too. */
  sendReceipts: boolean;
}

/** A StripeConfig with both secrets, as the provider needs it. */
export interface ConfiguredStripeConfig extends StripeConfig {
  secretKey: Secret;
  webhookSecret: Secret;
}

function parseApiBase(value: string): StripeApiAddress | string {
  const url = new URL(value);
  if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
    return 'must be the server address only (the SDK adds /v1/...), e.g. http://127.0.0.1:12111';
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return {
    protocol,
    // URL keeps the brackets of an IPv6 literal; Node's http.request wants it bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : protocol === 'https' ? 443 : 80,
  };
}

export function loadStripeConfig(source: NodeJS.ProcessEnv = process.env): StripeConfig {
  const raw = validateEnv(StripeEnv, source);
  let api: StripeApiAddress | undefined;
  if (raw.STRIPE_API_BASE) {
    const parsed = parseApiBase(raw.STRIPE_API_BASE);
    if (typeof parsed === 'string') throw new ConfigValidationError([`STRIPE_API_BASE: ${parsed}`]);
    if (parsed.protocol === 'http' && nodeEnv(source) === 'production') {
      throw new ConfigValidationError([
        'STRIPE_API_BASE: must be https:// in production (the API key travels with every request)',
      ]);
    }
    api = parsed;
  }
  return {
    secretKey: raw.STRIPE_SECRET_KEY ? new Secret(raw.STRIPE_SECRET_KEY) : undefined,
    webhookSecret: raw.STRIPE_WEBHOOK_SECRET ? new Secret(raw.STRIPE_WEBHOOK_SECRET) : undefined,
    api,
    timeoutMs: raw.STRIPE_TIMEOUT_MS,
    maxNetworkRetries: raw.STRIPE_MAX_NETWORK_RETRIES,
    sendReceipts: raw.STRIPE_SEND_RECEIPTS === true,
  };
}

/**
 * The cross-check the payments module runs when `PAYMENT_PROVIDERS` includes `stripe`: both
 * secrets must be set. Throws a ConfigValidationError naming each missing variable.
 */
export function assertStripeConfigured(config: StripeConfig): ConfiguredStripeConfig {
  const problems: string[] = [];
  const required = 'required when PAYMENT_PROVIDERS includes stripe';
  if (!config.secretKey) problems.push(`STRIPE_SECRET_KEY: ${required}`);
  if (!config.webhookSecret) problems.push(`STRIPE_WEBHOOK_SECRET: ${required}`);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return config as ConfiguredStripeConfig;
}

export const stripeConfig = registerAs('stripe', () => loadStripeConfig());
