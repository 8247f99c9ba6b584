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
  file_path: string;
  issued_at: Date;
}

/** What a new document row holds (its number and year come from the counter). */
export interface NewDocument {
  orderId: string;
  kind: InvoiceKind;
  year: number;
  sequence: number;
  number: string;
  creditsInvoiceId: string | null;
  currency: string;
  total: number;
  filePath: string;
}

/** Every statement on `invoices` and `invoice_counters`. */
@Injectable()
export class InvoicesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The order's document of `kind` (with the number of the invoice a credit note cancels). */
  async find(
    runner: EntityManager,
    orderId: string,
    kind: InvoiceKind,
  ): Promise<DocumentRow | undefined> {
    const [row] = await runner.query<DocumentRow[]>(
      `SELECT i.id, i.kind, i.number, c.number AS credits_number, i.file_path, i.issued_at
         FROM invoices i LEFT JOIN invoices c ON c.id = i.credits_invoice_id
        WHERE i.order_id = $1 AND i.kind = $2`,
      [orderId, kind],
    );
    return row;
  }

  /** The order's document of `kind` outside a transaction (downloads, mail attachments). */
  findIssued(orderId: string, kind: InvoiceKind): Promise<DocumentRow | undefined> {
    return this.find(this.db.manager, orderId, kind);
  }

  /**
   * Takes the next number of (kind, this year). The counter row stays locked until the
   * caller's transaction ends: concurrent issuers queue here, and a rollback hands the number
   * back.
   */
  async nextNumber(
    tx: EntityManager,
    kind: InvoiceKind,
  ): Promise<{ year: number; last_number: number }> {
    const [counter] = await tx.query<{ year: number; last_number: number }[]>(
      `INSERT INTO invoice_counters AS c (kind, year, last_number)
       VALUES ($1, extract(year FROM now() AT TIME ZONE 'UTC')::int, 1)
       ON CONFLICT (kind, year) DO UPDATE SET last_number = c.last_number + 1
       RETURNING c.year, c.last_number`,
      [kind],
    );
    return counter;
  }

  /** Records a numbered document; answers its id and issue time. */
  async insert(tx: EntityManager, d: NewDocument): Promise<{ id: string; issued_at: Date }> {
    const [row] = await tx.query<{ id: string; issued_at: Date }[]>(
      `INSERT INTO invoices (order_id, kind, year, sequence, number, credits_invoice_id, currency,
                             total, file_path)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING id, issued_at`,
      [
        d.orderId,
        d.kind,
        d.year,
        d.sequence,
        d.number,
        d.creditsInvoiceId,
        d.currency,
        d.total,
        d.filePath,
      ],
    );
    return row;
  }
}
