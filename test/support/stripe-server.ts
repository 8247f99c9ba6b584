import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { loadStripeConfig, StripeConfig } from '../../src/config/stripe.config';

/**
 * A small Stripe API served on loopback, written from Stripe's API reference for the calls the
 * shop makes: form-encoded `POST /v1/payment_intents`, `GET /v1/payment_intents/:id`,
 * `POST /v1/payment_intents/:id/confirm` (the buyer paying, for tests), `POST /v1/refunds`,
 * `GET /v1/refunds/:id`. It answers Stripe-shaped JSON and error bodies, checks the Bearer
 * key, honours `Idempotency-Key` (same key and parameters: the saved answer, replayed; other
 * parameters: 400 idempotency_error; a key still in flight: 409), rejects unknown parameters,
 * records every request, and can be made slow, failing (503) or unreachable.
 *
 * It is not Stripe: it models the state changes the shop relies on, not Stripe's full rules.
 *
 * In an app under test: `createTestApp({ overrides: [[stripeConfig.KEY, stripeConfigFor(server)]] })`.
 */

type Params = { [key: string]: string | Params };
type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  params: Params;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  /** The HTTP status answered (0 while in flight or when the server went away meanwhile). */
  status: number;
  replayed: boolean;
}

interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  param?: string;
  decline_code?: string;
  payment_intent?: Json;
}

/** An error answer. `saved`: Stripe stores it under the idempotency key (execution began). */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly saved = false,
  ) {
    super(body.message);
  }
}

interface Answer {
  status: number;
  body: Json;
}

const DECLINES: Record<string, string> = {
  pm_card_chargeDeclined: 'generic_decline',
  pm_card_chargeDeclinedInsufficientFunds: 'insufficient_funds',
};

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** Stripe's form encoding: `metadata[orderId]=x&automatic_payment_methods[enabled]=true`. */
export function parseStripeForm(body: string): Params {
  const params: Params = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    if (!match) throw invalid(`Invalid parameter name: ${key}`, key);
    const path = [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])];
    let node = params;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (typeof next === 'string') throw invalid(`Invalid parameter: ${key}`, key);
      node = node[segment] = next ?? {};
    }
    node[path[path.length - 1]] = value;
  }
  return params;
}

function canonical(value: string | Params): string {
  if (typeof value === 'string') return JSON.stringify(value);
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
}

function invalid(message: string, param?: string, code?: string, saved = false): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', message, param, code }, saved);
}

function noSuch(kind: string, objectId: string, param: string): ApiError {
  return new ApiError(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${objectId}'`,
    param,
  });
}

function onlyKnown(params: Params, allowed: string[]): void {
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) throw invalid(`Received unknown parameter: ${key}`, key);
  }
}

function string(params: Params, key: string): string | undefined {
  const value = params[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`Invalid string: ${key}`, key);
  return value;
}

function positiveInteger(params: Params, key: string): number | undefined {
  const value = string(params, key);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw invalid(`Invalid positive integer`, key, 'parameter_invalid_integer');
  }
  return Number(value);
}

function metadata(params: Params): Record<string, string> {
  const value = params.metadata ?? {};
  if (typeof value === 'string') {
    if (value === '') return {};
    throw invalid('Invalid object', 'metadata');
  }
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalid('Too many metadata keys (at most 50)', 'metadata');
  for (const [key, v] of entries) {
    if (typeof v !== 'string') throw invalid('Invalid metadata value', `metadata[${key}]`);
    if (key.length > 40) throw invalid('Metadata keys are at most 40 characters', 'metadata');
    if (v.length > 500) throw invalid('Metadata values are at most 500 characters', 'metadata');
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

function money(amount: number, currency: string): string {
  return `${(amount / 100).toFixed(2)} ${currency}`;
}

export class StripeTestServer {
  readonly secretKey = `sk_test_loopback${randomBytes(12).toString('hex')}`;
  readonly webhookSecret = `whsec_${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`;
  readonly requests: RecordedRequest[] = [];
  readonly paymentIntents = new Map<string, Json>();
  readonly charges = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();

  /** Milliseconds every authorised request takes to execute (a slow Stripe). */
  latencyMs = 0;
  /** The next N requests are answered 503 before reaching the API (not saved for replay). */
  failNext = 0;

  private held?: Promise<void>;

  private readonly saved = new Map<string, { fingerprint: string; answer: Answer }>();
  private readonly inFlightKeys = new Set<string>();
  private readonly waits = new Set<() => void>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private server: Server;
  private port = 0;

  private constructor(private readonly tls?: { key: string; cert: string }) {
    this.server = this.createHttpServer();
  }

  /**
   * `tls`: serve HTTPS with this key and certificate (for an app in production mode, which
   * talks to Stripe over https only; its Node must trust the certificate: NODE_EXTRA_CA_CERTS).
   */
  static async start(tls?: { key: string; cert: string }): Promise<StripeTestServer> {
    const stripe = new StripeTestServer(tls);
    await stripe.listen(0);
    return stripe;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** The variables that point the app's Stripe config at this server. */
  get env(): Record<string, string> {
    return {
      STRIPE_SECRET_KEY: this.secretKey,
      STRIPE_WEBHOOK_SECRET: this.webhookSecret,
      STRIPE_API_BASE: this.url,
    };
  }

  /** An SDK client of this server, as a buyer's browser or a test would use it. */
  client(): Stripe {
    return new Stripe(this.secretKey, {
      host: '127.0.0.1',
      port: this.port,
      protocol: this.tls ? 'https' : 'http',
      maxNetworkRetries: 0,
      telemetry: false,
    });
  }

  /** The buyer pays: confirms the PaymentIntent with a test card (`pm_card_visa` succeeds). */
  async pay(paymentIntentId: string, paymentMethod = 'pm_card_visa'): Promise<Json> {
    const intent = await this.client().paymentIntents.confirm(paymentIntentId, {
      payment_method: paymentMethod,
    });
    return intent as unknown as Json;
  }

  /**
   * Holds every request that reaches execution (idempotency key taken, as a slow Stripe does)
   * until `release` is called: a window that stays open as long as a test needs it.
   */
  hold(): { release: () => void } {
    let release!: () => void;
    this.held = new Promise<void>((resolve) => (release = resolve));
    const held = this.held;
    return {
      release: () => {
        if (this.held === held) this.held = undefined;
        release();
      },
    };
  }

  requestsTo(method: string, path: string | RegExp): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  /** Resolves when no request is being handled (a slow one finished after its client gave up). */
  async settled(): Promise<void> {
    if (this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops listening and drops every connection: the port refuses connections. */
  async goDown(): Promise<void> {
    this.releaseWaits();
    await this.closeServer();
  }

  /** Listens again on the same port after goDown(). */
  async comeBack(): Promise<void> {
    this.server = this.createHttpServer();
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    this.releaseWaits();
    await this.closeServer();
  }

  /**
   * An event as Stripe would send it about an object of this server, with the object as it is
   * now: `payment_intent.*` takes a PaymentIntent id, `charge.*` a charge or PaymentIntent id
   * (its latest charge); any other type gets a bare object of that kind.
   */
  event(type: string, objectId: string, eventId = id('evt')): Json {
    let object: Json;
    if (type.startsWith('payment_intent.')) {
      const intent = this.paymentIntents.get(objectId);
      if (!intent) throw new Error(`No PaymentIntent ${objectId} on the test Stripe server`);
      object = intent;
    } else if (type.startsWith('charge.')) {
      const chargeId = objectId.startsWith('pi_')
        ? (this.paymentIntents.get(objectId)?.latest_charge as string | undefined)
        : objectId;
      const charge = chargeId ? this.charges.get(chargeId) : undefined;
      if (!charge) throw new Error(`No charge for ${objectId} on the test Stripe server`);
      object = charge;
    } else {
      object = { id: objectId, object: type.split('.')[0] };
    }
    return {
      id: eventId,
      object: 'event',
      api_version: Stripe.API_VERSION,
      created: now(),
      data: { object: structuredClone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
  }

  private createHttpServer(): Server {
    const serve = (req: IncomingMessage, res: ServerResponse) => {
      this.inFlight += 1;
      this.handle(req, res)
        .catch(() => undefined)
        .finally(() => {
          this.inFlight -= 1;
          if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
        });
    };
    return this.tls ? createHttpsServer(this.tls, serve) : createServer(serve);
  }

  private async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  private async closeServer(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private releaseWaits(): void {
    for (const release of this.waits) release();
    this.waits.clear();
  }

  private async delay(ms: number): Promise<void> {
    if (ms <= 0) return;
    await new Promise<void>((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.waits.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.waits.add(release);
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      params: {},
      idempotencyKey: header(req, 'idempotency-key'),
      stripeVersion: header(req, 'stripe-version'),
      status: 0,
      replayed: false,
    };
    this.requests.push(record);
    const send = (answer: Answer, extra: Record<string, string> = {}): void => {
      record.status = answer.status;
      if (res.destroyed) return;
      res.writeHead(answer.status, {
        'content-type': 'application/json',
        'request-id': id('req'),
        ...extra,
      });
      res.end(JSON.stringify(answer.body));
    };
    const fail = (error: ApiError): Answer => ({
      status: error.status,
      body: { error: error.body },
    });

    if (this.failNext > 0) {
      this.failNext -= 1;
      send(fail(new ApiError(503, { type: 'api_error', message: 'Service unavailable (test)' })));
      return;
    }
    const auth = header(req, 'authorization');
    if (auth !== `Bearer ${this.secretKey}`) {
      const key = auth?.replace(/^Bearer /, '') ?? '';
      const message = key
        ? `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(8)}${key.slice(-4)}`
        : 'You did not provide an API key.';
      send(fail(new ApiError(401, { type: 'invalid_request_error', message })));
      return;
    }

    let params: Params;
    try {
      params =
        record.method === 'GET'
          ? parseStripeForm(url.search.slice(1))
          : parseStripeForm(Buffer.concat(chunks).toString('utf8'));
    } catch (error) {
      send(fail(error as ApiError));
      return;
    }
    record.params = params;

    const key = record.method === 'POST' ? record.idempotencyKey : null;
    const fingerprint = `${record.method} ${record.path} ${canonical(params)}`;
    if (key) {
      const earlier = this.saved.get(key);
      if (earlier) {
        if (earlier.fingerprint !== fingerprint) {
          send(
            fail(
              new ApiError(400, {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
              }),
            ),
          );
          return;
        }
        record.replayed = true;
        send(earlier.answer, { 'idempotent-replayed': 'true' });
        return;
      }
      if (this.inFlightKeys.has(key)) {
        send(
          fail(
            new ApiError(409, {
              type: 'invalid_request_error',
              code: 'idempotency_key_in_use',
              message:
                'There is currently another in-progress request using this Idempotent Key. Please try again later.',
            }),
          ),
        );
        return;
      }
      this.inFlightKeys.add(key);
    }
    try {
      // Slowness is time spent executing, with the idempotency key held (a retry meanwhile: 409).
      await this.delay(this.latencyMs);
      await this.held;
      let answer: Answer;
      let save = true;
      try {
        answer = { status: 200, body: this.route(record.method, record.path, params) };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        answer = fail(error);
        save = error.saved;
      }
      if (key && save) this.saved.set(key, { fingerprint, answer });
      send(answer);
    } finally {
      if (key) this.inFlightKeys.delete(key);
    }
  }

  private route(method: string, path: string, params: Params): Json {
    const confirm = /^\/v1\/payment_intents\/([^/]+)\/confirm$/.exec(path);
    const intent = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    const refund = /^\/v1\/refunds\/([^/]+)$/.exec(path);
    if (method === 'POST' && path === '/v1/payment_intents') return this.createIntent(params);
    if (method === 'GET' && intent) return this.intent(intent[1]);
    if (method === 'POST' && confirm) return this.confirmIntent(confirm[1], params);
    if (method === 'POST' && path === '/v1/refunds') return this.createRefund(params);
    if (method === 'GET' && refund) {
      const found = this.refunds.get(refund[1]);
      if (!found) throw noSuch('refund', refund[1], 'id');
      return found;
    }
    throw new ApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    });
  }

  private intent(intentId: string): Json {
    const found = this.paymentIntents.get(intentId);
    if (!found) throw noSuch('payment_intent', intentId, 'intent');
    return found;
  }

  private createIntent(params: Params): Json {
    onlyKnown(params, [
      'amount',
      'currency',
      'automatic_payment_methods',
      'description',
      'metadata',
      'receipt_email',
    ]);
    const amount = positiveInteger(params, 'amount');
    if (amount === undefined) throw invalid('Missing required param: amount.', 'amount');
    const currency = string(params, 'currency');
    if (!currency) throw invalid('Missing required param: currency.', 'currency');
    if (!/^[a-z]{3}$/.test(currency)) {
      throw invalid(`Invalid currency: ${currency}.`, 'currency');
    }
    if (amount < 50) {
      throw invalid(`Amount must be at least 0.50 ${currency}`, 'amount', 'amount_too_small');
    }
    const automatic = params.automatic_payment_methods;
    if (automatic !== undefined) {
      if (typeof automatic === 'string')
        throw invalid('Invalid object', 'automatic_payment_methods');
      onlyKnown(automatic, ['enabled', 'allow_redirects']);
    }
    const receiptEmail = string(params, 'receipt_email');
    if (receiptEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(receiptEmail)) {
      throw invalid('Invalid email address', 'receipt_email', 'email_invalid');
    }
    const intentId = id('pi');
    const created: Json = {
      id: intentId,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      automatic_payment_methods:
        automatic === undefined
          ? null
          : {
              enabled: automatic.enabled === 'true',
              allow_redirects: automatic.allow_redirects ?? 'always',
            },
      capture_method: 'automatic_async',
      client_secret: `${intentId}_secret_${randomBytes(12).toString('hex')}`,
      confirmation_method: 'automatic',
      created: now(),
      currency,
      customer: null,
      description: string(params, 'description') ?? null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: metadata(params),
      payment_method: null,
      receipt_email: receiptEmail ?? null,
      status: 'requires_payment_method',
    };
    this.paymentIntents.set(intentId, created);
    return created;
  }

  private confirmIntent(intentId: string, params: Params): Json {
    onlyKnown(params, ['payment_method']);
    const intent = this.intent(intentId);
    if (intent.status === 'succeeded' || intent.status === 'canceled') {
      throw invalid(
        `You cannot confirm this PaymentIntent because it has a status of ${String(intent.status)}.`,
        undefined,
        'payment_intent_unexpected_state',
        true,
      );
    }
    const paymentMethod = string(params, 'payment_method');
    if (!paymentMethod?.startsWith('pm_card_')) {
      throw invalid('Use a test card payment method such as pm_card_visa.', 'payment_method');
    }
    const decline = DECLINES[paymentMethod];
    if (decline) {
      intent.status = 'requires_payment_method';
      intent.last_payment_error = {
        type: 'card_error',
        code: 'card_declined',
        decline_code: decline,
        message:
          decline === 'insufficient_funds'
            ? 'Your card has insufficient funds.'
            : 'Your card was declined.',
        // Stripe sends the payment method with its card details here; the shop must not keep them.
        payment_method: {
          id: id('pm'),
          object: 'payment_method',
          type: 'card',
          card: { brand: 'visa', last4: '0002', exp_month: 12, exp_year: 2034 },
        },
      };
      throw new ApiError(
        402,
        {
          type: 'card_error',
          code: 'card_declined',
          decline_code: decline,
          message: (intent.last_payment_error as Json).message as string,
          payment_intent: structuredClone(intent),
        },
        true,
      );
    }
    const chargeId = id('ch');
    this.charges.set(chargeId, {
      id: chargeId,
      object: 'charge',
      amount: intent.amount,
      amount_captured: intent.amount,
      amount_refunded: 0,
      captured: true,
      created: now(),
      currency: intent.currency,
      metadata: {},
      paid: true,
      payment_intent: intentId,
      payment_method: id('pm'),
      refunded: false,
      status: 'succeeded',
    });
    Object.assign(intent, {
      status: 'succeeded',
      amount_received: intent.amount,
      latest_charge: chargeId,
      last_payment_error: null,
      payment_method: paymentMethod,
    });
    return intent;
  }

  private createRefund(params: Params): Json {
    onlyKnown(params, ['payment_intent', 'charge', 'amount', 'metadata', 'reason']);
    const intentId = string(params, 'payment_intent');
    const chargeParam = string(params, 'charge');
    if (!intentId && !chargeParam) {
      throw invalid(
        'One of the following params should be provided for this request: payment_intent or charge.',
        undefined,
        'parameter_missing',
      );
    }
    const reason = string(params, 'reason');
    if (reason && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason)) {
      throw invalid(`Invalid reason: ${reason}`, 'reason');
    }
    const amountParam = positiveInteger(params, 'amount');
    const meta = metadata(params);
    let charge: Json | undefined;
    if (intentId) {
      const intent = this.paymentIntents.get(intentId);
      if (!intent) throw noSuch('payment_intent', intentId, 'payment_intent');
      charge = intent.latest_charge ? this.charges.get(intent.latest_charge as string) : undefined;
      if (!charge || intent.status !== 'succeeded') {
        throw invalid(
          `This PaymentIntent (${intentId}) does not have a successful charge to refund.`,
          'payment_intent',
          'charge_not_refundable',
          true,
        );
      }
    } else {
      charge = this.charges.get(chargeParam!);
      if (!charge) throw noSuch('charge', chargeParam!, 'charge');
    }
    const left = (charge.amount as number) - (charge.amount_refunded as number);
    if (left === 0) {
      throw invalid(
        `Charge ${String(charge.id)} has already been refunded.`,
        undefined,
        'charge_already_refunded',
        true,
      );
    }
    const amount = amountParam ?? left;
    if (amount > left) {
      const currency = charge.currency as string;
      throw invalid(
        `Refund amount (${money(amount, currency)}) is greater than unrefunded amount on charge (${money(left, currency)})`,
        'amount',
        'amount_too_large',
        true,
      );
    }
    charge.amount_refunded = (charge.amount_refunded as number) + amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    const refundId = id('re');
    const created: Json = {
      id: refundId,
      object: 'refund',
      amount,
      charge: charge.id,
      created: now(),
      currency: charge.currency,
      metadata: meta,
      payment_intent: charge.payment_intent,
      reason: reason ?? null,
      status: 'succeeded',
    };
    this.refunds.set(refundId, created);
    return created;
  }
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

export interface SignedWebhook {
  event: Json;
  rawBody: Buffer;
  headers: Record<string, string>;
}

/**
 * A webhook as Stripe would POST it about an object of `server`, signed with the server's
 * webhook secret by the SDK's own `generateTestHeaderString` (or with `secret`/`timestamp`
 * given, to forge a wrong or stale one).
 */
export function signedStripeEvent(
  server: StripeTestServer,
  type: string,
  objectId: string,
  options: { secret?: string; timestamp?: number; eventId?: string } = {},
): SignedWebhook {
  const event = server.event(type, objectId, options.eventId);
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? server.webhookSecret,
    timestamp: options.timestamp,
  });
  return {
    event,
    rawBody: Buffer.from(payload, 'utf8'),
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
  };
}

/** The app's `stripe` config pointed at `server` (plus any variables given, e.g. a timeout). */
export function stripeConfigFor(
  server: StripeTestServer,
  env: Record<string, string> = {},
): StripeConfig {
  return loadStripeConfig({ ...server.env, ...env });
}
