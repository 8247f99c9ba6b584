import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { InvoiceKind } from './invoice-document';

/** An issued invoice or credit note as the service works with it. */
export interface DocumentRow {
  id: string;
  kind: InvoiceKind;
  number: string;
  credits_number: string | null;
  refund_id: string | null;
  file_path: string;
  issued_at: Date;
}

/** What a new document row holds (its year, sequence, number and path come from the counter). */
export interface NewDocument {
  orderId: string;
  kind: InvoiceKind;
  prefix: string;
  creditsInvoiceId: string | null;
  refundId: string | null;
  currency: string;
  total: number;
}

export interface NumberedDocument {
  id: string;
  year: number;
  sequence: number;
  number: string;
  file_path: string;
  issued_at: Date;
}

const DOCUMENT_COLUMNS = `i.id, i.kind, i.number, c.number AS credits_number, i.refund_id,
  i.file_path, i.issued_at
  FROM invoices i LEFT JOIN invoices c ON c.id = i.credits_invoice_id`;

/** Every statement on `invoices` and `invoice_counters`. */
@Injectable()
export class InvoicesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The order's invoice (with nothing credited), in the caller's transaction. */
  async findInvoice(runner: EntityManager, orderId: string): Promise<DocumentRow | undefined> {
    const [row] = await runner.query<DocumentRow[]>(
      `SELECT ${DOCUMENT_COLUMNS} WHERE i.order_id = $1 AND i.kind = 'invoice'`,
      [orderId],
    );
    return row;
  }

  /** The credit note of the order's refund (with the number of the invoice it credits). */
  async findCreditNote(
    runner: EntityManager,
    refundId: string,
    orderId?: string,
  ): Promise<DocumentRow | undefined> {
    const [row] = await runner.query<DocumentRow[]>(
      `SELECT ${DOCUMENT_COLUMNS} WHERE i.refund_id = $1 AND ($2::uuid IS NULL OR i.order_id = $2)`,
      [refundId, orderId ?? null],
    );
    return row;
  }

  /**
   * The order's document of `kind` outside a transaction (downloads, mail attachments): a
   * credit note by its number, or the order's latest one.
   */
  async findIssued(
    orderId: string,
    kind: InvoiceKind,
    number?: string,
  ): Promise<DocumentRow | undefined> {
    const [row] = await this.db.query<DocumentRow[]>(
      `SELECT ${DOCUMENT_COLUMNS}
        WHERE i.order_id = $1 AND i.kind = $2 AND ($3::text IS NULL OR i.number = $3)
        ORDER BY i.issued_at DESC, i.number DESC LIMIT 1`,
      [orderId, kind, number ?? null],
    );
    return row;
  }

  /**
   * Takes the next number of (kind, this year) and records the document with it, in one
   * statement: `<prefix>-<year>-<sequence on 6 digits or more>`, file `<year>/<number>.pdf`.
   * The counter row stays locked until the caller's transaction ends: concurrent issuers
   * queue there, and a rollback hands the number back.
   */
  async insertNumbered(tx: EntityManager, d: NewDocument): Promise<NumberedDocument> {
    const [row] = await tx.query<NumberedDocument[]>(
      `WITH c AS (
         INSERT INTO invoice_counters AS c (kind, year, last_number)
         VALUES ($2, extract(year FROM now() AT TIME ZONE 'UTC')::int, 1)
         ON CONFLICT (kind, year) DO UPDATE SET last_number = c.last_number + 1
         RETURNING c.year, c.last_number
       ), n AS (
         SELECT year, last_number, $3::text || '-' || year || '-'
                || lpad(last_number::text, greatest(6, length(last_number::text)), '0') AS number
           FROM c
       )
       INSERT INTO invoices (order_id, kind, year, sequence, number, credits_invoice_id, currency,
                             total, file_path, refund_id)
       SELECT $1, $2, n.year, n.last_number, n.number, $4, $5, $6, n.year || '/' || n.number || '.pdf',
              $7
         FROM n
       RETURNING id, year, sequence, number, file_path, issued_at`,
      [d.orderId, d.kind, d.prefix, d.creditsInvoiceId, d.currency, d.total, d.refundId],
    );
    return row;
  }
}
