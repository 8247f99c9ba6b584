import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isAbsolute, relative, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import {
  authConfig,
  AuthConfig,
  mailConfig,
  MailConfig,
  storageConfig,
  StorageConfig,
  storeConfig,
  StoreConfig,
} from '../../config';
import { loadOrderViews, OrderView } from '../orders/order-view';
import { PaymentsRepository } from '../payments/payments.repository';
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

/** A job's payload carries ids; this reads the current rows and builds the message. */
@Injectable()
export class MailMessages {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(mailConfig.KEY) private readonly mail: MailConfig,
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
    @Inject(storeConfig.KEY) private readonly store: StoreConfig,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    private readonly payments: PaymentsRepository,
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
        const payment = await this.payments.findByOrder(this.db, order.id);
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
        const refund = await this.payments.findRefund(this.db, message.payload.refundId);
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
        const [row]: {
          sku: string;
          product_id: string;
          title: string;
          shop_name: string;
          email: string;
          name: string;
        }[] = await this.db.query(
          `SELECT v.sku, p.id AS product_id, p.title, s.name AS shop_name, u.email, u.name
             FROM product_variants v
             JOIN products p ON p.id = v.product_id
             JOIN shops s ON s.id = p.shop_id
             JOIN users u ON u.id = s.merchant_id AND u.deleted_at IS NULL
            WHERE v.id = $1`,
          [message.payload.variantId],
        );
        if (!row) return { template: 'low-stock', skip: 'no such variant or merchant' };
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
    const user = await this.user(payload.userId);
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

  private async user(id: string): Promise<Recipient | undefined> {
    const [user]: Recipient[] = await this.db.query(
      `SELECT email, name FROM users WHERE id = $1 AND deleted_at IS NULL`,
      [id],
    );
    return user;
  }

  /** The order in its API shape and its buyer's current address (none once erased). */
  private async order(id: string): Promise<{ order: OrderView; buyer: Recipient } | undefined> {
    const [buyer]: Recipient[] = await this.db.query(
      `SELECT u.email, u.name FROM orders o JOIN users u ON u.id = o.user_id
        WHERE o.id = $1 AND u.deleted_at IS NULL`,
      [id],
    );
    if (!buyer) return undefined;
    const [order] = await loadOrderViews(this.db, [id]);
    return order ? { order, buyer } : undefined;
  }

  /** The credit note of a refund, when one was issued (the job that sends this waits for it). */
  private async creditNotePdf(
    refundId: string,
  ): Promise<{ number: string; content: Buffer } | undefined> {
    const [note]: { number: string; file_path: string }[] = await this.db.query(
      `SELECT number, file_path FROM invoices WHERE refund_id = $1`,
      [refundId],
    );
    return note ? this.documentPdf(note) : undefined;
  }

  private async invoicePdf(orderId: string): Promise<{ number: string; content: Buffer }> {
    const [invoice]: { number: string; file_path: string }[] = await this.db.query(
      `SELECT number, file_path FROM invoices WHERE order_id = $1 AND kind = 'invoice'`,
      [orderId],
    );
    if (!invoice) throw new MailNotReadyError(`Order ${orderId} has no invoice yet`);
    return this.documentPdf(invoice);
  }

  private async documentPdf(invoice: {
    number: string;
    file_path: string;
  }): Promise<{ number: string; content: Buffer }> {
    const path = resolve(this.storage.invoiceDir, invoice.file_path);
    const inside = relative(this.storage.invoiceDir, path);
    if (inside.startsWith('..') || isAbsolute(inside)) {
      throw new Error(`Invoice ${invoice.number} has a path outside INVOICE_DIR`);
    }
    try {
      return { number: invoice.number, content: await readFile(path) };
    } catch (error) {
      throw new MailNotReadyError(
        `Invoice ${invoice.number} file is not readable: ${(error as Error).message}`,
      );
    }
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
