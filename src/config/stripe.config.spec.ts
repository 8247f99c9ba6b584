import { inspect } from 'node:util';
import { assertStripeConfigured, loadStripeConfig } from './stripe.config';
import { ConfigValidationError } from './validate-env';

/** The problems of the ConfigValidationError that `load` must throw. */
function problemsOf(load: () => unknown): string[] {
  let refusal: unknown;
  try {
    load();
  } catch (error) {
    refusal = error;
  }
  expect(refusal).toBeInstanceOf(ConfigValidationError);
  return (refusal as ConfigValidationError).problems;
}

const KEY = 'sk_test_51AbCdEfGhIjKlMnOp';
const WEBHOOK = 'whsec_AbCdEfGhIjKlMnOpQrStUv';

describe('Stripe configuration', () => {
  it('loads with nothing set: Stripe off, SDK defaults of 10 s and 2 retries', () => {
    expect(loadStripeConfig({})).toEqual({
      secretKey: undefined,
      webhookSecret: undefined,
      api: undefined,
      timeoutMs: 10_000,
      maxNetworkRetries: 2,
      sendReceipts: false,
    });
  });

  it('refuses to enable Stripe without its secrets and names each variable', () => {
    const problems = problemsOf(() => assertStripeConfigured(loadStripeConfig({})));
    expect(problems).toEqual([
      expect.stringMatching(/^STRIPE_SECRET_KEY: required/),
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET: required/),
    ]);
    const onlyKey = loadStripeConfig({ STRIPE_SECRET_KEY: KEY });
    expect(problemsOf(() => assertStripeConfigured(onlyKey))).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_SECRET:/),
    ]);
    const both = loadStripeConfig({ STRIPE_SECRET_KEY: KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK });
    expect(assertStripeConfigured(both).secretKey.reveal()).toBe(KEY);
  });

  it('parses STRIPE_API_BASE into the host, port and protocol the SDK takes', () => {
    expect(loadStripeConfig({ STRIPE_API_BASE: 'http://127.0.0.1:12111' }).api).toEqual({
      protocol: 'http',
      host: '127.0.0.1',
      port: 12111,
    });
    expect(loadStripeConfig({ STRIPE_API_BASE: 'https://stripe-proxy.internal/' }).api).toEqual({
      protocol: 'https',
      host: 'stripe-proxy.internal',
      port: 443,
    });
    expect(loadStripeConfig({ STRIPE_API_BASE: 'http://[::1]:8080' }).api?.host).toBe('::1');
  });

  it.each([
    [{ STRIPE_SECRET_KEY: 'pk_test_publishableKeyNotSecret' }, 'STRIPE_SECRET_KEY'],
    [{ STRIPE_SECRET_KEY: 'sk_test_has spaces' }, 'STRIPE_SECRET_KEY'],
    [{ STRIPE_WEBHOOK_SECRET: 'not-a-signing-secret' }, 'STRIPE_WEBHOOK_SECRET'],
    [{ STRIPE_API_BASE: 'ftp://127.0.0.1:21' }, 'STRIPE_API_BASE'],
    [{ STRIPE_API_BASE: 'http://127.0.0.1:12111/v1' }, 'STRIPE_API_BASE'],
    [{ NODE_ENV: 'production', STRIPE_API_BASE: 'http://127.0.0.1:12111' }, 'STRIPE_API_BASE'],
    [{ STRIPE_TIMEOUT_MS: '0' }, 'STRIPE_TIMEOUT_MS'],
    [{ STRIPE_MAX_NETWORK_RETRIES: 'many' }, 'STRIPE_MAX_NETWORK_RETRIES'],
  ])('refuses a bad value and names the variable, not the value (%#)', (env, variable) => {
    const problems = problemsOf(() => loadStripeConfig(env));
    expect(problems.some((p) => p.startsWith(`${variable}:`))).toBe(true);
    for (const value of Object.values(env)) {
      if (value.length > 12) expect(problems.join('\n')).not.toContain(value);
    }
  });

  it('never prints a secret: JSON, util.inspect and string forms are redacted', () => {
    const config = loadStripeConfig({ STRIPE_SECRET_KEY: KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK });
    const printed = [
      JSON.stringify(config),
      inspect(config, { depth: 5 }),
      String(config.secretKey),
    ];
    for (const text of printed) {
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(WEBHOOK);
    }
    expect(JSON.parse(printed[0])).toMatchObject({ secretKey: '[redacted]' });
    expect(config.webhookSecret?.reveal()).toBe(WEBHOOK);
  });
});
