import { loadPaymentConfig } from './payment.config';
import { ConfigValidationError } from './validate-env';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadPaymentConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('payment configuration', () => {
  it('defaults to bank transfer only, 30 min for cards and 7 days for transfers', () => {
    expect(loadPaymentConfig({})).toMatchObject({
      providers: ['manual'],
      timeoutSeconds: { card: 1800, manual: 604_800 },
      expirySweepIntervalSeconds: 30,
      manualWebhookSecret: undefined,
    });
  });

  it('takes the windows in seconds or with a unit, like CART_TTL', () => {
    const config = loadPaymentConfig({
      PAYMENT_PROVIDERS: 'stripe, manual,stripe',
      PAYMENT_TIMEOUT_CARD: '10',
      PAYMENT_TIMEOUT_MANUAL: '3d',
      PAYMENT_EXPIRY_SWEEP_INTERVAL: '1s',
    });
    expect(config.providers).toEqual(['stripe', 'manual']);
    expect(config.timeoutSeconds).toEqual({ card: 10, manual: 259_200 });
    expect(config.expirySweepIntervalSeconds).toBe(1);
  });

  it.each([
    [{ PAYMENT_PROVIDERS: 'paypal' }, 'PAYMENT_PROVIDERS'],
    [{ PAYMENT_PROVIDERS: ' , ' }, 'PAYMENT_PROVIDERS'],
    [{ PAYMENT_TIMEOUT_CARD: 'soon' }, 'PAYMENT_TIMEOUT_CARD'],
    [{ PAYMENT_TIMEOUT_MANUAL: '0' }, 'PAYMENT_TIMEOUT_MANUAL'],
    [{ PAYMENT_EXPIRY_SWEEP_INTERVAL: '1w' }, 'PAYMENT_EXPIRY_SWEEP_INTERVAL'],
    [{ PAYMENT_MANUAL_WEBHOOK_SECRET: 'short' }, 'PAYMENT_MANUAL_WEBHOOK_SECRET'],
    [{ PAYMENT_BANK_BIC: 'X'.repeat(12) }, 'PAYMENT_BANK_BIC'],
  ])('refuses a bad value and names the variable (%#)', (env, variable) => {
    expect(problemsOf(env).some((p) => p.startsWith(`${variable}:`))).toBe(true);
  });

  it('never puts the webhook secret in a problem message', () => {
    const secret = 'too-short';
    expect(problemsOf({ PAYMENT_MANUAL_WEBHOOK_SECRET: secret }).join(' ')).not.toContain(secret);
  });
});
