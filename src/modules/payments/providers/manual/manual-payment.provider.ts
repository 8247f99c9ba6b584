import { Inject, Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { paymentConfig, PaymentConfig } from '../../../../config';
import {
  InvalidWebhookSignatureError,
  PaymentEvent,
  PaymentProvider,
  RefundInput,
  RefundResult,
  StartedPayment,
  StartPaymentInput,
} from '../../payment-provider';

/** The header a manual webhook carries: `sha256=<hex HMAC of the raw body>`. */
export const MANUAL_SIGNATURE_HEADER = 'x-payment-signature';

/** Signs a manual webhook body (the importer's side; used by tests and the bench). */
export function signManualWebhook(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

const EVENT_TYPES = ['payment.succeeded', 'payment.refunded'] as const;

/**
 * Bank transfer / cash on delivery. Nothing is charged online: the buyer gets the bank details
 * and a reference (the order number), and the money is recorded when it arrives, by an admin
 * (`POST /admin/orders/:id/payments`) or by a bank-statement importer posting signed
 * notifications to `POST /payments/manual/webhook` (only when PAYMENT_MANUAL_WEBHOOK_SECRET is
 * set). Refunds are paid out by hand: they are recorded and succeed at once.
 */
@Injectable()
export class ManualPaymentProvider implements PaymentProvider {
  readonly name = 'manual' as const;
  readonly window = 'manual' as const;

  constructor(@Inject(paymentConfig.KEY) private readonly config: PaymentConfig) {}

  get acceptsWebhooks(): boolean {
    return this.config.manualWebhookSecret !== undefined;
  }

  start(input: StartPaymentInput): Promise<StartedPayment> {
    return Promise.resolve(this.startAtOnce(input));
  }

  /** The bank details and the reference: nothing to call. */
  startAtOnce(input: Omit<StartPaymentInput, 'paymentId'>): StartedPayment {
    const { bank } = this.config;
    return {
      providerReference: input.orderNumber,
      clientData: {
        instructions:
          `Transfer ${input.amount} minor units of ${input.currency.toUpperCase()} to ` +
          `${bank.accountHolder} (${bank.bankName}), IBAN ${bank.iban}, BIC ${bank.bic}, ` +
          `with the reference ${input.orderNumber}.`,
        reference: input.orderNumber,
        bankAccount: { ...bank },
      },
    };
  }

  /**
   * Body: `{ id, type: 'payment.succeeded' | 'payment.refunded', reference, amount, currency,
   * occurredAt? }` where `reference` is the order number the buyer wrote on the transfer.
   */
  parseWebhook(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): PaymentEvent[] {
    const secret = this.config.manualWebhookSecret;
    if (!secret) throw new InvalidWebhookSignatureError('The manual provider takes no webhooks');
    const given = headers[MANUAL_SIGNATURE_HEADER];
    const expected = Buffer.from(signManualWebhook(rawBody, secret));
    const actual = Buffer.from(typeof given === 'string' ? given : '');
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new InvalidWebhookSignatureError();
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw new InvalidWebhookSignatureError('The webhook body is not JSON');
    }
    const { id, type, reference, amount, currency, occurredAt } = body;
    if (
      typeof id !== 'string' ||
      !id ||
      id.length > 255 ||
      !(EVENT_TYPES as readonly unknown[]).includes(type) ||
      typeof reference !== 'string' ||
      !reference ||
      !Number.isInteger(amount) ||
      (amount as number) <= 0 ||
      typeof currency !== 'string' ||
      !/^[a-zA-Z]{3}$/.test(currency)
    ) {
      throw new InvalidWebhookSignatureError('The webhook body is not a payment event');
    }
    const at = typeof occurredAt === 'string' ? new Date(occurredAt) : new Date();
    return [
      {
        eventId: id,
        receiptKey: id,
        type: type as PaymentEvent['type'],
        providerReference: reference,
        orderId: null,
        amount: amount as number,
        currency: currency.toLowerCase(),
        occurredAt: Number.isNaN(at.getTime()) ? new Date() : at,
      },
    ];
  }

  refund(_input: RefundInput): Promise<RefundResult> {
    return Promise.resolve({ providerRefundId: null, status: 'pending' });
  }
}
