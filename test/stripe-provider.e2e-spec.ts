import { Logger } from '@nestjs/common';
import { ConfigModule, registerAs } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import Stripe from 'stripe';
import {
  InvalidWebhookSignatureError,
  PaymentProvider,
  StartPaymentInput,
} from '../src/modules/payments/payment-provider';
import {
  PaymentProviderRejectedError,
  PaymentProviderUnavailableError,
} from '../src/modules/payments/payment-provider-errors';
import {
  StripePaymentProvider,
  stripePaymentProvider,
  stripeProviderFactory,
} from '../src/modules/payments/providers/stripe/stripe-payment.provider';
import { signedStripeEvent, stripeConfigFor, StripeTestServer } from './support/stripe-server';

/**
 * The Stripe adapter against the loopback Stripe API of test/support/stripe-server.ts, through
 * the official SDK over real HTTP; webhooks signed by the SDK's generateTestHeaderString. No
 * request leaves the machine.
 */
describe('Stripe payment provider (against a loopback Stripe API)', () => {
  let server: StripeTestServer;

  beforeAll(async () => {
    // The provider's warnings are asserted where they matter; the suites run with logs off.
    Logger.overrideLogger(false);
    server = await StripeTestServer.start();
  });

  afterAll(async () => {
    await server.close();
  });

  afterEach(() => {
    server.latencyMs = 0;
    server.failNext = 0;
  });

  function provider(env: Record<string, string> = {}): StripePaymentProvider {
    return stripeProviderFactory(stripeConfigFor(server, env));
  }

  function paymentInput(overrides: Partial<StartPaymentInput> = {}): StartPaymentInput {
    return {
      paymentId: randomUUID(),
      orderId: randomUUID(),
      orderNumber: 'ORD-2026-000042',
      amount: 2599,
      currency: 'EUR',
      buyerEmail: 'buyer@example.com',
      ...overrides,
    };
  }

  function intentsOfPayment(paymentId: string): Record<string, unknown>[] {
    return [...server.paymentIntents.values()].filter(
      (intent) => (intent.metadata as Record<string, string>).paymentId === paymentId,
    );
  }

  async function paidIntent(stripe: PaymentProvider, amount = 2599): Promise<string> {
    const started = await stripe.start(paymentInput({ amount }));
    await server.pay(started.providerReference!);
    return started.providerReference!;
  }

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected the call to fail');
  }

  describe('start', () => {
    it('creates a PaymentIntent for the order and returns its client secret', async () => {
      const input = paymentInput();
      const started = await provider().start(input);

      const intent = server.paymentIntents.get(started.providerReference!)!;
      expect(started).toEqual({
        providerReference: expect.stringMatching(/^pi_/),
        clientData: { clientSecret: intent.client_secret },
      });
      expect(intent).toMatchObject({
        amount: 2599,
        currency: 'eur',
        status: 'requires_payment_method',
        automatic_payment_methods: { enabled: true },
        receipt_email: null,
        metadata: {
          orderId: input.orderId,
          paymentId: input.paymentId,
          orderNumber: input.orderNumber,
        },
      });
      const [request] = server
        .requestsTo('POST', '/v1/payment_intents')
        .filter((r) => r.idempotencyKey === `payment:${input.paymentId}`);
      expect(request.stripeVersion).toBe(Stripe.API_VERSION);
    });

    it('passes the buyer e-mail for a Stripe receipt only when STRIPE_SEND_RECEIPTS is on', async () => {
      const started = await provider({ STRIPE_SEND_RECEIPTS: 'true' }).start(paymentInput());
      expect(server.paymentIntents.get(started.providerReference!)!.receipt_email).toBe(
        'buyer@example.com',
      );
    });

    it('creates one PaymentIntent per payment id, started twice in a row or 8 times at once', async () => {
      const stripe = provider();
      const input = paymentInput();
      const first = await stripe.start(input);
      const second = await stripe.start(input);
      expect(second).toEqual(first);

      // Slow enough that the concurrent requests overlap: Stripe answers 409 to a key in
      // flight and the SDK retries it; every caller still gets the one PaymentIntent.
      server.latencyMs = 150;
      const concurrent = paymentInput();
      const results = await Promise.all(Array.from({ length: 8 }, () => stripe.start(concurrent)));
      expect(new Set(results.map((r) => r.providerReference)).size).toBe(1);
      expect(new Set(results.map((r) => r.clientData.clientSecret)).size).toBe(1);
      expect(intentsOfPayment(input.paymentId)).toHaveLength(1);
      expect(intentsOfPayment(concurrent.paymentId)).toHaveLength(1);
      const keys = server
        .requestsTo('POST', '/v1/payment_intents')
        .filter(
          (r) =>
            r.params.metadata &&
            (r.params.metadata as Record<string, string>).paymentId === concurrent.paymentId,
        )
        .map((r) => r.idempotencyKey);
      expect(new Set(keys)).toEqual(new Set([`payment:${concurrent.paymentId}`]));
    });

    it('refuses to reuse a payment id for different details (Stripe idempotency error)', async () => {
      const stripe = provider();
      const input = paymentInput();
      await stripe.start(input);
      const error = await rejection(stripe.start({ ...input, amount: input.amount + 100 }));
      expect(error).toBeInstanceOf(PaymentProviderRejectedError);
      expect(error).toMatchObject({ status: 502, providerCode: 'idempotency_error' });
      expect(intentsOfPayment(input.paymentId)).toHaveLength(1);
    });

    it('turns a request Stripe refuses into PaymentProviderRejectedError (502)', async () => {
      const error = await rejection(provider().start(paymentInput({ amount: 20 })));
      expect(error).toBeInstanceOf(PaymentProviderRejectedError);
      expect(error).toMatchObject({
        status: 502,
        type: 'payment-provider-rejected',
        providerCode: 'amount_too_small',
      });
    });

    it('retries a Stripe that answers 503 twice, with the same idempotency key', async () => {
      const input = paymentInput();
      server.failNext = 2;
      const started = await provider().start(input);
      const attempts = server
        .requestsTo('POST', '/v1/payment_intents')
        .filter((r) => r.idempotencyKey === `payment:${input.paymentId}`);
      expect(attempts.map((r) => r.status)).toEqual([503, 503, 200]);
      expect(intentsOfPayment(input.paymentId).map((i) => i.id)).toEqual([
        started.providerReference,
      ]);
    });
  });

  describe('parseWebhook', () => {
    it('maps a signed payment_intent.succeeded to payment.succeeded with the amount received', async () => {
      const stripe = provider();
      const input = paymentInput({ amount: 4200 });
      const { providerReference } = await stripe.start(input);
      await server.pay(providerReference!);

      const webhook = signedStripeEvent(server, 'payment_intent.succeeded', providerReference!);
      expect(stripe.parseWebhook(webhook.rawBody, webhook.headers)).toEqual([
        {
          eventId: webhook.event.id,
          type: 'payment.succeeded',
          providerReference,
          orderId: input.orderId,
          amount: 4200,
          currency: 'eur',
          occurredAt: new Date((webhook.event.created as number) * 1000),
        },
      ]);
    });

    it('maps payment_intent.payment_failed with Stripe’s reason and no card data', async () => {
      const stripe = provider();
      const input = paymentInput();
      const { providerReference } = await stripe.start(input);
      const declined = await rejection(server.pay(providerReference!, 'pm_card_chargeDeclined'));
      expect(declined).toBeInstanceOf(Stripe.errors.StripeCardError);

      const webhook = signedStripeEvent(
        server,
        'payment_intent.payment_failed',
        providerReference!,
      );
      const events = stripe.parseWebhook(webhook.rawBody, webhook.headers);
      expect(events).toEqual([
        expect.objectContaining({
          type: 'payment.failed',
          providerReference,
          orderId: input.orderId,
          amount: input.amount,
          failureMessage: 'Your card was declined. (generic_decline)',
        }),
      ]);
      // The event carried the card's brand and last four digits; the parsed one does not.
      expect(webhook.rawBody.toString()).toContain('"last4":"0002"');
      expect(JSON.stringify(events)).not.toMatch(/last4|visa|exp_year|pm_/);
    });

    it('maps charge.refunded to the total refunded so far on the PaymentIntent', async () => {
      const stripe = provider();
      const intentId = await paidIntent(stripe, 3000);
      const refund = { paymentId: randomUUID(), providerReference: intentId, currency: 'eur' };
      await stripe.refund({ ...refund, refundId: randomUUID(), amount: 1000, reason: 'damaged' });
      await stripe.refund({ ...refund, refundId: randomUUID(), amount: 500, reason: 'late' });

      const webhook = signedStripeEvent(server, 'charge.refunded', intentId);
      expect(stripe.parseWebhook(webhook.rawBody, webhook.headers)).toEqual([
        expect.objectContaining({
          eventId: webhook.event.id,
          type: 'payment.refunded',
          providerReference: intentId,
          amount: 1500,
          currency: 'eur',
        }),
      ]);
    });

    it('ignores event types the shop does not use', async () => {
      const stripe = provider();
      const { providerReference } = await stripe.start(paymentInput());
      for (const [type, objectId] of [
        ['payment_intent.created', providerReference!],
        ['customer.created', 'cus_TestCustomer'],
      ]) {
        const webhook = signedStripeEvent(server, type, objectId);
        expect(stripe.parseWebhook(webhook.rawBody, webhook.headers)).toEqual([]);
      }
    });

    it('refuses a forged body, a wrong secret, a stale or a missing signature', async () => {
      const stripe = provider();
      const intentId = await paidIntent(stripe);
      const good = signedStripeEvent(server, 'payment_intent.succeeded', intentId);
      const forgedBody = Buffer.from(
        good.rawBody.toString().replace('"amount_received":2599', '"amount_received":1'),
      );
      const wrongSecret = signedStripeEvent(server, 'payment_intent.succeeded', intentId, {
        secret: 'whsec_SomebodyElsesSecret',
      });
      const stale = signedStripeEvent(server, 'payment_intent.succeeded', intentId, {
        timestamp: Math.floor(Date.now() / 1000) - 3600,
      });
      const unsigned = { 'content-type': 'application/json' };
      const cases: [Buffer, Record<string, string | string[]>][] = [
        [forgedBody, good.headers],
        [wrongSecret.rawBody, wrongSecret.headers],
        [stale.rawBody, stale.headers],
        [good.rawBody, unsigned],
        [good.rawBody, { 'stripe-signature': '' }],
        [good.rawBody, { 'stripe-signature': 't=1,v1=deadbeef' }],
        [good.rawBody, { 'stripe-signature': [good.headers['stripe-signature'], 't=1,v1=00'] }],
      ];
      for (const [body, headers] of cases) {
        expect(() => stripe.parseWebhook(body, headers)).toThrow(InvalidWebhookSignatureError);
      }
      expect(forgedBody.equals(good.rawBody)).toBe(false);
      expect(stripe.parseWebhook(good.rawBody, good.headers)).toHaveLength(1);
    });
  });

  describe('refund', () => {
    it('refunds part then the rest, once per refund id however often it is called', async () => {
      const stripe = provider();
      const intentId = await paidIntent(stripe, 5000);
      const base = { paymentId: randomUUID(), providerReference: intentId, currency: 'eur' };
      const partial = { ...base, refundId: randomUUID(), amount: 2000, reason: 'one item damaged' };
      const first = await stripe.refund(partial);
      const again = await stripe.refund(partial);
      expect(first).toEqual({
        providerRefundId: expect.stringMatching(/^re_/),
        status: 'succeeded',
      });
      expect(again).toEqual(first);

      const rest = await stripe.refund({
        ...base,
        refundId: randomUUID(),
        amount: 3000,
        reason: 'cancelled',
      });
      expect(rest.status).toBe('succeeded');

      const refunds = [...server.refunds.values()].filter((r) => r.payment_intent === intentId);
      expect(refunds.map((r) => r.amount)).toEqual([2000, 3000]);
      expect(refunds[0].metadata).toEqual({
        refundId: partial.refundId,
        paymentId: base.paymentId,
        reason: 'one item damaged',
      });
      const charge = server.charges.get(
        server.paymentIntents.get(intentId)!.latest_charge as string,
      )!;
      expect(charge).toMatchObject({ amount_refunded: 5000, refunded: true });
      expect(
        server
          .requestsTo('POST', '/v1/refunds')
          .filter((r) => r.idempotencyKey === `refund:${partial.refundId}`),
      ).toHaveLength(2);
    });

    it('turns refunding more than is left into PaymentProviderRejectedError', async () => {
      const stripe = provider();
      const intentId = await paidIntent(stripe, 1000);
      const base = {
        paymentId: randomUUID(),
        providerReference: intentId,
        currency: 'eur',
        reason: 'x',
      };
      const tooMuch = await rejection(
        stripe.refund({ ...base, refundId: randomUUID(), amount: 1001 }),
      );
      expect(tooMuch).toMatchObject({ status: 502, providerCode: 'amount_too_large' });
      await stripe.refund({ ...base, refundId: randomUUID(), amount: 1000 });
      const nothingLeft = await rejection(
        stripe.refund({ ...base, refundId: randomUUID(), amount: 1 }),
      );
      expect(nothingLeft).toMatchObject({ providerCode: 'charge_already_refunded' });
      const noIntent = await rejection(
        stripe.refund({ ...base, providerReference: null, refundId: randomUUID(), amount: 1 }),
      );
      expect(noIntent).toBeInstanceOf(PaymentProviderRejectedError);
    });
  });

  describe('when Stripe is unreachable or slow', () => {
    it('answers PaymentProviderUnavailableError (503) while Stripe refuses connections', async () => {
      const stripe = provider({ STRIPE_MAX_NETWORK_RETRIES: '1' });
      await server.goDown();
      try {
        const error = await rejection(stripe.start(paymentInput()));
        expect(error).toBeInstanceOf(PaymentProviderUnavailableError);
        expect(error).toMatchObject({ status: 503, type: 'payment-provider-unavailable' });
        const refundError = await rejection(
          stripe.refund({
            paymentId: randomUUID(),
            refundId: randomUUID(),
            providerReference: 'pi_Whatever',
            amount: 100,
            currency: 'eur',
            reason: 'x',
          }),
        );
        expect(refundError).toBeInstanceOf(PaymentProviderUnavailableError);
      } finally {
        await server.comeBack();
      }
      expect((await stripe.start(paymentInput())).providerReference).toMatch(/^pi_/);
    });

    it('gives up on a Stripe slower than STRIPE_TIMEOUT_MS; the retry later gets the same PaymentIntent', async () => {
      const stripe = provider({ STRIPE_TIMEOUT_MS: '200', STRIPE_MAX_NETWORK_RETRIES: '1' });
      const input = paymentInput();
      server.latencyMs = 2000;
      const error = await rejection(stripe.start(input));
      expect(error).toBeInstanceOf(PaymentProviderUnavailableError);

      // The abandoned request still created the PaymentIntent on Stripe's side.
      await server.settled();
      server.latencyMs = 0;
      const retried = await stripe.start(input);
      expect(intentsOfPayment(input.paymentId).map((i) => i.id)).toEqual([
        retried.providerReference,
      ]);
    });
  });

  it('refuses a wrong API key without the key in the error, the log line or the provider', async () => {
    const wrongKey = 'sk_test_NotTheServersKey1234567890';
    const stripe = provider({ STRIPE_SECRET_KEY: wrongKey });
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const error = await rejection(stripe.start(paymentInput()));
    const logLines = logged.mock.calls.flat().map((arg) => inspect(arg));
    logged.mockRestore();
    expect(error).toBeInstanceOf(PaymentProviderRejectedError);
    expect(logLines.join('\n')).toContain('STRIPE_SECRET_KEY');
    const printed = [
      ...logLines,
      String(error),
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
      JSON.stringify(stripe),
      inspect(stripe, { depth: 3 }),
    ].join('\n');
    expect(printed).not.toContain(wrongKey);
    expect(printed).not.toContain(server.webhookSecret);
    expect(inspect(provider(), { depth: 3 })).not.toContain(server.secretKey);
  });

  it('is a Nest provider built from the stripe config namespace', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          load: [registerAs('stripe', () => stripeConfigFor(server))],
        }),
      ],
      providers: [stripePaymentProvider],
    }).compile();
    const stripe = moduleRef.get(StripePaymentProvider);
    expect(stripe).toMatchObject({ name: 'stripe', window: 'card' });
    expect((await stripe.start(paymentInput())).providerReference).toMatch(/^pi_/);
    await moduleRef.close();
  });
});
