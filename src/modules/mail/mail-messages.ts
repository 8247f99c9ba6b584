import { Inject, Injectable } from '@nestjs/common';
import {
  authConfig,
  AuthConfig,
  mailConfig,
  MailConfig,
  storeConfig,
  StoreConfig,
} from '../../config';
import { VariantsRepository } from '../catalog/variants.repository';
import { InvoiceFileUnreadableError, InvoicesService } from '../invoices/invoices.service';
import type { OrderView } from '../orders/order-view';
import { OrdersRepository } from '../orders/orders.repository';
import { UsersService } from '../users/users.service';
import { PaymentsService } from '../payments/payments.service';
import { JobMessage, JOBS } from '../queues/queue-names';
import { formatMoney } from '../../common/money/format-money';
import { MailTemplate } from './mail-templates';

/** A message ready to render and send. */
export interface ComposedMail {
  template: MailTemplate;
  to: string;
  subject: string;
  context: Record<string, unknown>;
  attachments?: { filename: string; content: Buffer; contentType: string }[];
}

/** The event has nobody (left) to write to: recorded as skipped. */
export interface NothingToSend {
  template: MailTemplate;
  skip: string;
  to?: string;
}

/** Retried by Bull: the data the message needs is not there yet (e.g. the invoice file). */
export class MailNotReadyError extends Error {
  override name = 'MailNotReadyError';
}

interface Recipient {
  email: string;
  name: string;
}

/**
 * A job's payload carries ids; this reads the current data through the owning modules (users,
 * orders, invoices, catalog) and builds the message.
 */
@Injectable()
export class MailMessages {
  constructor(
    private readonly users: UsersService,
    private readonly orders: OrdersRepository,
    private readonly invoices: InvoicesService,
    private readonly variants: VariantsRepository,
    @Inject(mailConfig.KEY) private readonly mail: MailConfig,
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
    @Inject(storeConfig.KEY) private readonly store: StoreConfig,
    private readonly payments: PaymentsService,
  ) {}

  async compose(message: JobMessage): Promise<ComposedMail | NothingToSend> {
    switch (message.name) {
      case JOBS.mail.verifyEmail:
        return this.accountMail(message.payload, {
          template: 'welcome',
          subject: `Welcome to ${this.store.seller.name}: please verify your e-mail address`,
          path: '/verify-email',
          ttlSeconds: this.auth.emailVerificationTtlSeconds,
        });
      case JOBS.mail.passwordReset:
        return this.accountMail(message.payload, {
          template: 'password-reset',
          subject: `Reset your ${this.store.seller.name} password`,
          path: '/reset-password',
          ttlSeconds: this.auth.passwordResetTtlSeconds,
        });
      case JOBS.mail.orderConfirmation: {
        const found = await this.order(message.payload.orderId);
        if (!found) return { template: 'order-confirmation', skip: 'no such order or buyer' };
        const { order, buyer } = found;
        const invoice = await this.invoicePdf(order.id);
        return this.withLayout({
          template: 'order-confirmation',
          to: buyer.email,
          subject: `Order ${order.number} confirmed`,
          context: {
            name: buyer.name,
            order,
            address: order.shippingAddress,
            invoiceNumber: invoice.number,
            link: this.link(`/orders/${order.id}`),
          },
          attachments: [
            {
              filename: `${invoice.number}.pdf`,
              content: invoice.content,
              contentType: 'application/pdf',
            },
          ],
        });
      }
      case JOBS.mail.paymentInstructions: {
        const found = await this.order(message.payload.orderId);
        if (!found) return { template: 'payment-instructions', skip: 'no such order or buyer' };
        const { order, buyer } = found;
        const payment = await this.payments.paymentOf(order.id);
        if (!payment) throw new MailNotReadyError(`Order ${order.id} has no payment yet`);
        if (payment.status !== 'pending') {
          return { template: 'payment-instructions', skip: `payment already ${payment.status}` };
        }
        if (payment.provider === 'manual' && !payment.clientData.bankAccount) {
          throw new MailNotReadyError(`Order ${order.id}: its payment is not started yet`);
        }
        return this.withLayout({
          template: 'payment-instructions',
          to: buyer.email,
          subject: `Order ${order.number} received: how to pay`,
          context: {
            name: buyer.name,
            order,
            amount: payment.amount,
            currency: payment.currency,
            dueAt: payment.expiresAt.toUTCString(),
            reference: payment.clientData.reference,
            bankAccount: payment.clientData.bankAccount,
            link: this.link(`/orders/${order.id}`),
          },
        });
      }
      case JOBS.mail.refundIssued: {
        const found = await this.order(message.payload.orderId);
        if (!found) return { template: 'refund', skip: 'no such order or buyer' };
        const { order, buyer } = found;
        const refund = await this.payments.refundOf(message.payload.refundId);
        if (!refund) return { template: 'refund', skip: 'no such refund' };
        const creditNote = await this.creditNotePdf(refund.id);
        return this.withLayout({
          template: 'refund',
          to: buyer.email,
          subject: `Order ${order.number}: refund of ${formatMoney(refund.amount, order.currency)}`,
          context: {
            name: buyer.name,
            order,
            amount: refund.amount,
            currency: order.currency,
            reason: refund.reason,
            manualPayout: refund.payout === 'manual',
            creditNoteNumber: creditNote?.number,
            link: this.link(`/orders/${order.id}`),
          },
          attachments: creditNote
            ? [
                {
                  filename: `${creditNote.number}.pdf`,
                  content: creditNote.content,
                  contentType: 'application/pdf',
                },
              ]
            : [],
        });
      }
      case JOBS.mail.orderStatus: {
        const found = await this.order(message.payload.orderId);
        if (!found) return { template: 'order-status', skip: 'no such order or buyer' };
        const { order, buyer } = found;
        const status = message.payload.status;
        return this.withLayout({
          template: 'order-status',
          to: buyer.email,
          subject: `Order ${order.number} ${status}`,
          context: { name: buyer.name, order, status, link: this.link(`/orders/${order.id}`) },
        });
      }
      case JOBS.mail.lowStock: {
        const variant = await this.variants.lowStockSubject(message.payload.variantId);
        const merchant = variant && (await this.users.recipient(variant.merchant_id));
        if (!variant || !merchant) {
          return { template: 'low-stock', skip: 'no such variant or merchant' };
        }
        const row = { ...variant, ...merchant };
        return this.withLayout({
          template: 'low-stock',
          to: row.email,
          subject: `Low stock: ${row.sku} (${message.payload.stock} left)`,
          context: {
            name: row.name,
            sku: row.sku,
            productTitle: row.title,
            merchantShop: row.shop_name,
            stock: message.payload.stock,
            threshold: message.payload.threshold,
            link: this.link(`/merchant/products/${row.product_id}`),
          },
        });
      }
      case JOBS.invoices.invoice:
      case JOBS.invoices.creditNote:
      case JOBS.payments.refund:
        throw new Error(`Not a mail job: ${message.name}`);
    }
  }

  /** A message with a single-use token link to the account's current address. */
  private async accountMail(
    payload: { userId: string; token: string },
    mail: { template: MailTemplate; subject: string; path: string; ttlSeconds: number },
  ): Promise<ComposedMail | NothingToSend> {
    const user = await this.users.recipient(payload.userId);
    if (!user) return { template: mail.template, skip: 'the account no longer exists' };
    return this.withLayout({
      template: mail.template,
      to: user.email,
      subject: mail.subject,
      context: {
        name: user.name,
        link: this.link(mail.path, { token: payload.token }),
        validFor: duration(mail.ttlSeconds),
      },
    });
  }

  private withLayout(mail: ComposedMail): ComposedMail {
    return {
      ...mail,
      context: {
        ...mail.context,
        subject: mail.subject,
        shopName: this.store.seller.name,
        sellerAddress: this.store.seller.address,
        webUrl: this.mail.publicWebUrl,
      },
    };
  }

  private link(path: string, query: Record<string, string> = {}): string {
    const url = new URL(this.mail.publicWebUrl + path);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    return url.toString();
  }

  /** The order in its API shape and its buyer's current address (none once erased). */
  private async order(id: string): Promise<{ order: OrderView; buyer: Recipient } | undefined> {
    const ownerId = await this.orders.ownerOf(id);
    const buyer = ownerId && (await this.users.recipient(ownerId));
    if (!buyer) return undefined;
    const [order] = await this.orders.loadViews([id]);
    return order ? { order, buyer } : undefined;
  }

  /** The credit note of a refund, when one was issued (the job that sends this waits for it). */
  private async creditNotePdf(
    refundId: string,
  ): Promise<{ number: string; content: Buffer } | undefined> {
    try {
      return await this.invoices.creditNotePdf(refundId);
    } catch (error) {
      if (error instanceof InvoiceFileUnreadableError) throw new MailNotReadyError(error.message);
      throw error;
    }
  }

  /** The invoice's PDF, read through the invoices module (which guards its path). */
  private async invoicePdf(orderId: string): Promise<{ number: string; content: Buffer }> {
    let invoice;
    try {
      invoice = await this.invoices.invoicePdf(orderId);
    } catch (error) {
      if (error instanceof InvoiceFileUnreadableError) throw new MailNotReadyError(error.message);
      throw error;
    }
    if (!invoice) throw new MailNotReadyError(`Order ${orderId} has no invoice yet`);
    return invoice;
  }
}

/** 172800 → `48 hours`, 3600 → `1 hour`, 90 → `90 seconds`. */
export function duration(seconds: number): string {
  const units: [number, string][] = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  // Days only when whole days and more than two of them: "48 hours" reads better than "2 days".
  for (const [size, unit] of units) {
    if (seconds % size === 0 && (unit !== 'day' || seconds / size > 2)) {
      const n = seconds / size;
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}
