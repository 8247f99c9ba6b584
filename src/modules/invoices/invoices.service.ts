import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { isAdmin, type Actor } from '../../common/decorators/current-user.decorator';
import { NotFoundError } from '../../common/errors/domain-errors';
import { storageConfig, StorageConfig, storeConfig, StoreConfig } from '../../config';
import { PaymentsRepository } from '../payments/payments.repository';
import { UnrecoverableJobError } from '../queues/job-runner';
import { OutboxService } from '../queues/outbox.service';
import { jobMessages } from '../queues/queue-names';
import { InvoiceableOrder, OrdersRepository } from '../orders/orders.repository';
import { buildInvoiceDocument, InvoiceKind } from './invoice-document';
import { fileExists, removeTempsOf, writeFileAtomic } from '../../common/files/atomic-write';
import { documentNumber, documentPath } from './invoice-files';
import { DocumentRow, InvoicesRepository } from './invoices.repository';
import { PdfRenderer } from './pdf-renderer';

type Locked =
  | { skipped: string }
  | { skipped?: undefined; order: InvoiceableOrder; document: DocumentRow; created: boolean };

/** What a job did; stored by Bull as the job's return value. */
export type IssueOutcome =
  { status: 'issued' | 'existing'; number: string } | { status: 'skipped'; reason: string };

export interface DocumentFile {
  path: string;
  fileName: string;
}

/** The invoice's row exists but its file cannot be read (yet): worth another try later. */
export class InvoiceFileUnreadableError extends Error {
  override name = 'InvoiceFileUnreadableError';
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
    private readonly invoices: InvoicesRepository,
    private readonly orders: OrdersRepository,
    private readonly outbox: OutboxService,
    private readonly renderer: PdfRenderer,
    private readonly payments: PaymentsRepository,
  ) {}

  /**
   * The `invoices:invoice` job: issues the order's invoice once, however often and however
   * concurrently it runs. An order never paid gets none (nothing was sold, and no number is
   * taken); the job then completes without doing anything. An order that does not exist never
   * will: `UnrecoverableJobError` (the job fails once, not retried). `writer` (the job id)
   * names its PDF write: the temp file an earlier, killed run of the same job left is removed.
   */
  async issueInvoice(orderId: string, writer = `invoice.${orderId}`): Promise<IssueOutcome> {
    const result = await this.db.transaction(async (tx): Promise<Locked> => {
      const order = await this.lockOrder(tx, orderId);
      if (!order) throw new UnrecoverableJobError(`no such order ${orderId}`);
      const existing = await this.invoices.findInvoice(tx, orderId);
      if (existing) return { order, document: existing, created: false };
      if (!order.was_paid) return { skipped: `order not paid (${order.status})` };
      const document = await this.allocate(tx, order, 'invoice', null, null);
      return { order, document, created: true };
    });
    if (result.skipped !== undefined) return this.skip(orderId, 'invoice', result.skipped);

    await this.ensureFile(result.order, result.document, result.created, writer);
    // Only now that the file exists (autocommit: the document's transaction is over).
    await this.outbox.add(this.db.manager, [jobMessages.orderConfirmation(orderId)]);
    return { status: result.created ? 'issued' : 'existing', number: result.document.number };
  }

  /**
   * The `invoices:credit-note` job: the credit note of one refund, for its amount, once;
   * then the refund e-mail with it. Issues the invoice first when it does not exist yet. The
   * credit note's `total` is stored negative (what it takes back), so the sum of
   * `invoices.total` over an order is what was finally charged.
   */
  async issueCreditNote(
    orderId: string,
    refundId: string,
    writer = `credit-note.${refundId}`,
  ): Promise<IssueOutcome> {
    const invoice = await this.issueInvoice(orderId, writer);
    if (invoice.status === 'skipped') return this.skip(orderId, 'credit note', invoice.reason);

    const result = await this.db.transaction(async (tx): Promise<Locked> => {
      const order = await this.lockOrder(tx, orderId);
      if (!order) throw new UnrecoverableJobError(`no such order ${orderId}`);
      const existing = await this.invoices.findCreditNote(tx, refundId, orderId);
      if (existing) return { order, document: existing, created: false };
      const refund = await this.payments.findRefund(tx, refundId);
      if (!refund || refund.orderId !== orderId) return { skipped: 'no such refund' };
      if (refund.status !== 'succeeded') return { skipped: `refund ${refund.status}` };
      const credited = await this.invoices.findInvoice(tx, orderId);
      if (!credited) return { skipped: 'the invoice is gone' };
      const document = await this.allocate(tx, order, 'credit_note', credited, refund);
      return { order, document, created: true };
    });
    if (result.skipped !== undefined) return this.skip(orderId, 'credit note', result.skipped);

    await this.ensureFile(result.order, result.document, result.created, writer);
    await this.outbox.add(this.db.manager, [jobMessages.refundMail(orderId, refundId)]);
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
    const ownerId = await this.orders.ownerOf(orderId);
    if (!ownerId || (ownerId !== actor.id && !isAdmin(actor))) {
      throw new NotFoundError('No such order.');
    }
    const what = kind === 'invoice' ? 'invoice' : 'credit note';
    const row = await this.invoices.findIssued(orderId, kind, number);
    if (!row) throw new NotFoundError(`The order's ${what} is not issued yet.`);
    const path = this.pathOf(row);
    if (!(await fileExists(path))) {
      throw new NotFoundError(`The order's ${what} is being generated.`);
    }
    return { path, fileName: `${row.number}.pdf` };
  }

  /**
   * The rendered PDF of an order's invoice (the confirmation e-mail attaches it): undefined
   * while none is issued; throws `InvoiceFileUnreadableError` while its file is not readable.
   */
  async invoicePdf(orderId: string): Promise<{ number: string; content: Buffer } | undefined> {
    return this.readPdf(await this.invoices.findIssued(orderId, 'invoice'));
  }

  /** As `invoicePdf`, the credit note of a refund (the refund e-mail attaches it). */
  async creditNotePdf(refundId: string): Promise<{ number: string; content: Buffer } | undefined> {
    return this.readPdf(await this.invoices.findCreditNote(this.db.manager, refundId));
  }

  private async readPdf(
    row: DocumentRow | undefined,
  ): Promise<{ number: string; content: Buffer } | undefined> {
    if (!row) return undefined;
    const path = this.pathOf(row);
    try {
      return { number: row.number, content: await readFile(path) };
    } catch (error) {
      throw new InvoiceFileUnreadableError(
        `Invoice ${row.number} file is not readable: ${(error as Error).message}`,
      );
    }
  }

  /** The document's file under INVOICE_DIR; a stored path that leads outside it is refused. */
  private pathOf(row: DocumentRow): string {
    const path = resolve(this.storage.invoiceDir, row.file_path);
    const inside = relative(resolve(this.storage.invoiceDir), path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new Error(`Invoice ${row.number} has a path outside INVOICE_DIR`);
    }
    return path;
  }

  private skip(orderId: string, what: string, reason: string): IssueOutcome {
    this.logger.warn(`No ${what} for order ${orderId}: ${reason}`);
    return { status: 'skipped', reason };
  }

  /** The order with its lines, locked: jobs for the same order run one after the other. */
  private lockOrder(tx: EntityManager, orderId: string): Promise<InvoiceableOrder | undefined> {
    return this.orders.lockForInvoice(tx, orderId);
  }

  /**
   * Takes the next number of (kind, this year) and records the document. The counter row
   * stays locked until the caller's transaction ends: concurrent issuers queue here, and a
   * rollback hands the number back.
   */
  private async allocate(
    tx: EntityManager,
    order: InvoiceableOrder,
    kind: InvoiceKind,
    credits: DocumentRow | null,
    refund: { id: string; amount: number } | null,
  ): Promise<DocumentRow> {
    const row = await this.invoices.insertNumbered(tx, {
      orderId: order.id,
      kind,
      prefix: PREFIX[kind],
      creditsInvoiceId: credits?.id ?? null,
      refundId: refund?.id ?? null,
      currency: order.currency,
      total: refund ? -refund.amount : order.total,
    });
    // The statement formats number and path itself (one round trip under the counter lock);
    // these functions are the rule it must agree with.
    const number = documentNumber(PREFIX[kind], row.year, row.sequence);
    if (row.number !== number || row.file_path !== documentPath(row.year, number)) {
      throw new Error(`Invoice numbering disagrees: ${row.number} ${row.file_path} vs ${number}`);
    }
    if (kind === 'invoice') await this.orders.setInvoiceNumber(tx, order.id, number);
    if (refund) await this.payments.setCreditNoteNumber(tx, refund.id, number);
    return {
      id: row.id,
      kind,
      number,
      credits_number: credits?.number ?? null,
      refund_id: refund?.id ?? null,
      file_path: row.file_path,
      issued_at: row.issued_at,
    };
  }

  /**
   * Renders the document's PDF unless its file is already there (`force`: render anyway), as
   * `writer`, first removing the temp files `writer` left when it was killed mid-write.
   */
  private async ensureFile(
    order: InvoiceableOrder,
    document: DocumentRow,
    force: boolean,
    writer: string,
  ): Promise<void> {
    const path = this.pathOf(document);
    const removed = await removeTempsOf(path, writer);
    if (removed) this.logger.log(`Removed ${removed} temporary file(s) of ${writer}'s last run`);
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
    await writeFileAtomic(path, await this.renderer.render(definition), writer);
  }
}
