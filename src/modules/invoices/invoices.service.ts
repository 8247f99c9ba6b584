import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { isAdmin, type Actor } from '../../common/decorators/current-user.decorator';
import { NotFoundError } from '../../common/errors/domain-errors';
import { storageConfig, StorageConfig, storeConfig, StoreConfig } from '../../config';
import { PaymentsRepository } from '../payments/payments.repository';
import { UnrecoverableJobError } from '../queues/job-runner';
import { OutboxService } from '../queues/outbox.service';
import { jobMessages } from '../queues/queue-names';
import type { PostalAddress } from '../users/entities/user.entity';
import { buildInvoiceDocument, InvoiceKind, InvoiceLine } from './invoice-document';
import { fileExists, writeFileAtomic } from '../../common/files/atomic-write';
import { documentNumber, documentPath } from './invoice-files';
import { PdfRenderer } from './pdf-renderer';

interface OrderRow {
  id: string;
  number: string;
  status: string;
  currency: string;
  subtotal: number;
  tax: number;
  tax_rate_bps: number;
  shipping: number;
  total: number;
  buyer_name: string;
  buyer_email: string;
  shipping_address: PostalAddress;
  created_at: Date;
  /** Whether the order was ever paid (sold): only then is there an invoice to issue. */
  was_paid: boolean;
  lines: InvoiceLine[];
}

interface DocumentRow {
  id: string;
  kind: InvoiceKind;
  number: string;
  credits_number: string | null;
  refund_id: string | null;
  file_path: string;
  issued_at: Date;
}

type Locked =
  | { skipped: string }
  | { skipped?: undefined; order: OrderRow; document: DocumentRow; created: boolean };

/** What a job did; stored by Bull as the job's return value. */
export type IssueOutcome =
  { status: 'issued' | 'existing'; number: string } | { status: 'skipped'; reason: string };

export interface DocumentFile {
  path: string;
  fileName: string;
}

const PREFIX: Record<InvoiceKind, 'INV' | 'CN'> = { invoice: 'INV', credit_note: 'CN' };

/**
 * Issues invoices and credit notes and finds their files.
 *
 * Numbers are gapless per (kind, year): the counter row is incremented in the transaction
 * that inserts the document row, so a rolled-back issue gives its number back and a committed
 * one is never reused. That transaction is short (no rendering inside): the PDF is rendered
 * after commit, and whoever finds a committed row without its file renders it, so a crash
 * between the two is repaired by the job's next run. The order-confirmation e-mail is queued
 * only once the file exists.
 */
@Injectable()
export class InvoicesService {
  private readonly logger = new Logger(InvoicesService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(storeConfig.KEY) private readonly store: StoreConfig,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    private readonly outbox: OutboxService,
    private readonly renderer: PdfRenderer,
    private readonly payments: PaymentsRepository,
  ) {}

  /**
   * The `invoices:invoice` job: issues the order's invoice once, however often and however
   * concurrently it runs. An order never paid gets none (nothing was sold, and no number is
   * taken); the job then completes without doing anything. An order that does not exist never
   * will: `UnrecoverableJobError` (the job fails once, not retried).
   */
  async issueInvoice(orderId: string): Promise<IssueOutcome> {
    const result = await this.db.transaction(async (tx): Promise<Locked> => {
      const order = await this.lockOrder(tx, orderId);
      if (!order) throw new UnrecoverableJobError(`no such order ${orderId}`);
      const existing = await this.findDocument(tx, orderId, 'invoice');
      if (existing) return { order, document: existing, created: false };
      if (!order.was_paid) return { skipped: `order not paid (${order.status})` };
      const document = await this.allocate(tx, order, 'invoice', null, null);
      return { order, document, created: true };
    });
    if (result.skipped !== undefined) return this.skip(orderId, 'invoice', result.skipped);

    await this.ensureFile(result.order, result.document, result.created);
    await this.outbox.add(undefined, [jobMessages.orderConfirmation(orderId)]);
    return { status: result.created ? 'issued' : 'existing', number: result.document.number };
  }

  /**
   * The `invoices:credit-note` job: the credit note of one refund, for its amount, once;
   * then the refund e-mail with it. Issues the invoice first when it does not exist yet. The
   * credit note's `total` is stored negative (what it takes back), so the sum of
   * `invoices.total` over an order is what was finally charged.
   */
  async issueCreditNote(orderId: string, refundId: string): Promise<IssueOutcome> {
    const invoice = await this.issueInvoice(orderId);
    if (invoice.status === 'skipped') return this.skip(orderId, 'credit note', invoice.reason);

    const result = await this.db.transaction(async (tx): Promise<Locked> => {
      const order = await this.lockOrder(tx, orderId);
      if (!order) throw new UnrecoverableJobError(`no such order ${orderId}`);
      const existing = await this.findDocument(tx, refundId, 'refund');
      if (existing) return { order, document: existing, created: false };
      const refund = await this.payments.findRefund(tx, refundId);
      if (!refund || refund.orderId !== orderId) return { skipped: 'no such refund' };
      if (refund.status !== 'succeeded') return { skipped: `refund ${refund.status}` };
      const credited = await this.findDocument(tx, orderId, 'invoice');
      if (!credited) return { skipped: 'the invoice is gone' };
      const document = await this.allocate(tx, order, 'credit_note', credited, refund);
      return { order, document, created: true };
    });
    if (result.skipped !== undefined) return this.skip(orderId, 'credit note', result.skipped);

    await this.ensureFile(result.order, result.document, result.created);
    await this.outbox.add(undefined, [jobMessages.refundMail(orderId, refundId)]);
    return { status: result.created ? 'issued' : 'existing', number: result.document.number };
  }

  /**
   * The PDF of an order's invoice or credit note, for its owner or an admin. Another user's
   * order is not found, and so is a document not issued (or not rendered) yet.
   */
  async findFile(
    actor: Actor,
    orderId: string,
    kind: InvoiceKind,
    number?: string,
  ): Promise<DocumentFile> {
    // A credit note by its number, or the order's latest one.
    const [row] = await this.db.query<
      { user_id: string; number: string | null; file_path: string | null }[]
    >(
      `SELECT o.user_id, i.number, i.file_path
         FROM orders o
         LEFT JOIN LATERAL (
           SELECT number, file_path FROM invoices
            WHERE order_id = o.id AND kind = $2 AND ($3::text IS NULL OR number = $3)
            ORDER BY issued_at DESC, number DESC LIMIT 1) i ON true
        WHERE o.id = $1`,
      [orderId, kind, number ?? null],
    );
    if (!row || (row.user_id !== actor.id && !isAdmin(actor))) {
      throw new NotFoundError('No such order.');
    }
    const what = kind === 'invoice' ? 'invoice' : 'credit note';
    if (!row.number || !row.file_path) {
      throw new NotFoundError(`The order's ${what} is not issued yet.`);
    }
    const path = join(this.storage.invoiceDir, row.file_path);
    if (!(await fileExists(path))) {
      throw new NotFoundError(`The order's ${what} is being generated.`);
    }
    return { path, fileName: `${row.number}.pdf` };
  }

  private skip(orderId: string, what: string, reason: string): IssueOutcome {
    this.logger.warn(`No ${what} for order ${orderId}: ${reason}`);
    return { status: 'skipped', reason };
  }

  /** The order with its lines, locked: jobs for the same order run one after the other. */
  private async lockOrder(tx: EntityManager, orderId: string): Promise<OrderRow | undefined> {
    const [order] = await tx.query<OrderRow[]>(
      `SELECT o.id, o.number, o.status, o.currency, o.subtotal, o.tax, o.tax_rate_bps, o.shipping,
              o.total, o.buyer_name, o.buyer_email, o.shipping_address, o.created_at,
              EXISTS (SELECT 1 FROM order_status_history h
                       WHERE h.order_id = o.id AND h.to_status = 'paid') AS was_paid,
              (SELECT coalesce(json_agg(json_build_object(
                        'sku', i.sku, 'title', i.title, 'options', i.options,
                        'unitPrice', i.unit_price, 'quantity', i.quantity,
                        'lineTotal', i.line_total) ORDER BY i.position), '[]')
                 FROM order_items i WHERE i.order_id = o.id) AS lines
         FROM orders o
        WHERE o.id = $1
          FOR UPDATE OF o`,
      [orderId],
    );
    return order;
  }

  /** The order's invoice, or the credit note of a refund. */
  private async findDocument(
    tx: EntityManager,
    orderId: string,
    kind: 'invoice',
  ): Promise<DocumentRow | undefined>;
  private async findDocument(
    tx: EntityManager,
    refundId: string,
    kind: 'refund',
  ): Promise<DocumentRow | undefined>;
  private async findDocument(
    tx: EntityManager,
    id: string,
    kind: 'invoice' | 'refund',
  ): Promise<DocumentRow | undefined> {
    const [row] = await tx.query<DocumentRow[]>(
      `SELECT i.id, i.kind, i.number, c.number AS credits_number, i.refund_id, i.file_path,
              i.issued_at
         FROM invoices i LEFT JOIN invoices c ON c.id = i.credits_invoice_id
        WHERE ${kind === 'invoice' ? `i.order_id = $1 AND i.kind = 'invoice'` : 'i.refund_id = $1'}`,
      [id],
    );
    return row;
  }

  /**
   * Takes the next number of (kind, this year) and records the document. The counter row
   * stays locked until the caller's transaction ends: concurrent issuers queue here, and a
   * rollback hands the number back.
   */
  private async allocate(
    tx: EntityManager,
    order: OrderRow,
    kind: InvoiceKind,
    credits: DocumentRow | null,
    refund: { id: string; amount: number } | null,
  ): Promise<DocumentRow> {
    const [counter] = await tx.query<{ year: number; last_number: number }[]>(
      `INSERT INTO invoice_counters AS c (kind, year, last_number)
       VALUES ($1, extract(year FROM now() AT TIME ZONE 'UTC')::int, 1)
       ON CONFLICT (kind, year) DO UPDATE SET last_number = c.last_number + 1
       RETURNING c.year, c.last_number`,
      [kind],
    );
    const number = documentNumber(PREFIX[kind], counter.year, counter.last_number);
    const filePath = documentPath(counter.year, number);
    const [row] = await tx.query<{ id: string; issued_at: Date }[]>(
      `INSERT INTO invoices (order_id, kind, year, sequence, number, credits_invoice_id, currency,
                             total, file_path, refund_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       RETURNING id, issued_at`,
      [
        order.id,
        kind,
        counter.year,
        counter.last_number,
        number,
        credits?.id ?? null,
        order.currency,
        refund ? -refund.amount : order.total,
        filePath,
        refund?.id ?? null,
      ],
    );
    return {
      id: row.id,
      kind,
      number,
      credits_number: credits?.number ?? null,
      refund_id: refund?.id ?? null,
      file_path: filePath,
      issued_at: row.issued_at,
    };
  }

  /** Renders the document's PDF unless its file is already there (`force`: render anyway). */
  private async ensureFile(order: OrderRow, document: DocumentRow, force: boolean): Promise<void> {
    const path = join(this.storage.invoiceDir, document.file_path);
    if (!force && (await fileExists(path))) return;
    const refund = document.refund_id
      ? await this.payments.findRefund(this.db, document.refund_id)
      : undefined;
    const definition = buildInvoiceDocument(
      {
        kind: document.kind,
        number: document.number,
        issuedAt: document.issued_at,
        creditsInvoiceNumber: document.credits_number ?? undefined,
        refund: refund ? { amount: refund.amount, reason: refund.reason } : undefined,
        order: {
          number: order.number,
          placedAt: order.created_at,
          currency: order.currency,
          subtotal: order.subtotal,
          tax: order.tax,
          taxRateBps: order.tax_rate_bps,
          shipping: order.shipping,
          total: order.total,
          buyerName: order.buyer_name,
          buyerEmail: order.buyer_email,
          shippingAddress: order.shipping_address,
          lines: order.lines,
        },
      },
      this.store.seller,
    );
    await writeFileAtomic(path, await this.renderer.render(definition));
  }
}
