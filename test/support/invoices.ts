import { execFile } from 'node:child_process';
import { DataSource } from 'typeorm';

// pdf.js (under pdf-parse) loads its worker with a dynamic import(), which Jest's module
// sandbox refuses: the extraction runs in a plain Node process instead.
const EXTRACT = `
const { PDFParse } = require('pdf-parse');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', async () => {
  const parser = new PDFParse({ data: new Uint8Array(Buffer.concat(chunks)) });
  try {
    process.stdout.write((await parser.getText()).text);
  } finally {
    await parser.destroy();
  }
});`;

/** The text of a PDF, as a reader's copy-paste would give it (pdf-parse / pdf.js). */
export function pdfText(bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['-e', EXTRACT],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin?.end(bytes);
  });
}

export interface InvoiceRow {
  id: string;
  order_id: string;
  kind: 'invoice' | 'credit_note';
  year: number;
  sequence: number;
  number: string;
  credits_invoice_id: string | null;
  total: number;
  file_path: string;
}

export async function invoicesOf(
  db: DataSource,
  orderIds: string[],
  kind: InvoiceRow['kind'] = 'invoice',
): Promise<InvoiceRow[]> {
  return db.query(
    `SELECT id, order_id, kind, year, sequence, number, credits_invoice_id, total, file_path
       FROM invoices WHERE order_id = ANY($1::uuid[]) AND kind = $2 ORDER BY sequence`,
    [orderIds, kind],
  );
}

/**
 * The numbering invariant over everything issued so far (every suite's documents included):
 * for each (kind, year), the sequences are exactly 1..n and the counter says n.
 */
export async function expectGaplessNumbering(db: DataSource): Promise<void> {
  const rows: {
    kind: string;
    year: number;
    n: number;
    distinct_n: number;
    max: number;
    last: number;
  }[] = await db.query(
    `SELECT i.kind, i.year, count(*)::int AS n, count(DISTINCT i.sequence)::int AS distinct_n,
              max(i.sequence) AS max, c.last_number AS last
         FROM invoices i JOIN invoice_counters c ON c.kind = i.kind AND c.year = i.year
        GROUP BY i.kind, i.year, c.last_number`,
  );
  for (const row of rows) {
    expect({ ...row, distinct_n: row.n, max: row.n, last: row.n }).toEqual(row);
  }
}
