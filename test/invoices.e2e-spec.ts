import { enqueue as enqueueJob, settledJob } from './support/jobs';
import { getQueueToken } from '@nestjs/bull';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bull';
import { readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { queueConfig, storageConfig, StorageConfig } from '../src/config';
import { loadQueueConfig } from '../src/config/queue.config';
import { InvoicesService } from '../src/modules/invoices/invoices.service';
import { PdfRenderer } from '../src/modules/invoices/pdf-renderer';
import { JobMessage, jobMessages, QUEUES } from '../src/modules/queues/queue-names';
import { ProcessorsModule } from '../src/worker.module';
import { createMerchant, createProduct } from './support/catalog';
import { expectGaplessNumbering, invoicesOf, pdfText } from './support/invoices';
import { FixtureOrderStatus, insertOrder } from './support/orders-fixture';
import { AdminPayments } from './support/payments';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

describe('invoices', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let invoices: InvoicesService;
  let queue: Queue;
  let invoiceDir: string;
  let buyer: TestUser;
  let product: {
    title: string;
    variants: { id: string; sku: string; price: number; options: Record<string, string> }[];
  };

  beforeAll(async () => {
    // The processors run inside the test app, 8 jobs at a time, against the real queue.
    app = await createTestApp({
      imports: [ProcessorsModule],
      overrides: [[queueConfig.KEY, { ...loadQueueConfig(), concurrency: 8 }]],
    });
    db = app.get(DataSource);
    invoices = app.get(InvoicesService);
    queue = app.get<Queue>(getQueueToken(QUEUES.invoices));
    invoiceDir = app.get<StorageConfig>(storageConfig.KEY).invoiceDir;
    const merchant = await createMerchant(app);
    product = await createProduct(app, merchant, {
      title: 'Merino wool jumper',
      variants: [
        { price: 1250, stock: 10000, options: { size: 'M' } },
        { price: 999, stock: 10000, options: { size: 'L' } },
      ],
    });
    buyer = await createUser(app);
  });
  afterAll(() => app.close());

  /** Fixture orders are paid unless said otherwise: only a paid order is invoiced. */
  const placeOrder = (status: FixtureOrderStatus = 'paid', user = buyer) =>
    insertOrder(app, {
      userId: user.id,
      status,
      lines: [
        { variantId: product.variants[0].id, quantity: 2 },
        { variantId: product.variants[1].id, quantity: 1 },
      ],
    });

  const confirmationRows = async (orderId: string): Promise<number> => {
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM outbox WHERE job_id = $1`, [
      jobMessages.orderConfirmation(orderId).jobId,
    ]);
    return n as number;
  };

  const enqueue = (message: JobMessage) => enqueueJob(queue, message);

  it('issues the invoice: a PDF whose text holds number, order, seller, buyer, lines and totals', async () => {
    const order = await placeOrder();

    const outcome = await invoices.issueInvoice(order.id);

    const [invoice] = await invoicesOf(db, [order.id]);
    const year = new Date().getUTCFullYear();
    expect(outcome).toEqual({ status: 'issued', number: invoice.number });
    expect(invoice.number).toBe(`INV-${year}-${String(invoice.sequence).padStart(6, '0')}`);
    expect(invoice.file_path).toBe(`${year}/${invoice.number}.pdf`);
    expect(invoice.total).toBe(order.total);
    const pdf = await readFile(join(invoiceDir, invoice.file_path));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const text = await pdfText(pdf);
    for (const expected of [
      `Invoice number: ${invoice.number}`,
      `Order: ${order.number}`,
      'Demo Shop Ltd',
      '1 Market Street, 10115 Berlin, DE',
      'VAT ID DE000000000',
      'Test customer',
      product.variants[0].sku,
      'Merino wool jumper (size: M)',
      '€12.50',
      '€25.00',
      product.variants[1].sku,
      'Merino wool jumper (size: L)',
      '€9.99',
      'Subtotal',
      '€34.99', // 2 × 12.50 + 9.99
      'VAT 20 %',
      '€7.00', // 20 % of 34.99, rounded
      'Shipping',
      '€4.99',
      '€46.98',
    ]) {
      expect(text).toContain(expected);
    }
    expect(order.total).toBe(4698);
    expect(await confirmationRows(order.id)).toBe(1);
  });

  it('running the job again keeps one invoice, its number and one confirmation row, and restores a lost file', async () => {
    const order = await placeOrder();
    const first = await invoices.issueInvoice(order.id);
    const again = await invoices.issueInvoice(order.id);

    expect(first.status).toBe('issued');
    expect(again).toEqual({ status: 'existing', number: (first as { number: string }).number });
    const rows = await invoicesOf(db, [order.id]);
    expect(rows).toHaveLength(1);
    expect(await confirmationRows(order.id)).toBe(1);

    const file = join(invoiceDir, rows[0].file_path);
    await unlink(file);
    await invoices.issueInvoice(order.id);
    expect(await pdfText(await readFile(file))).toContain(rows[0].number);
    expect(await invoicesOf(db, [order.id])).toHaveLength(1);
  });

  it.each(['awaiting_payment', 'cancelled', 'expired'] as const)(
    'does not invoice an order never paid (%s), takes no number, and completes the job',
    async (status) => {
      const order = await placeOrder(status);

      const outcome = await invoices.issueInvoice(order.id);

      expect(outcome).toEqual({ status: 'skipped', reason: `order not paid (${status})` });
      expect(await invoicesOf(db, [order.id])).toEqual([]);
      expect(await confirmationRows(order.id)).toBe(0);
      // No number was taken for it (every number taken belongs to an issued document).
      await expectGaplessNumbering(db);
    },
  );

  it('50 orders whose jobs run concurrently (each twice) get 50 distinct, gapless numbers', async () => {
    const orders = [];
    for (let i = 0; i < 50; i++) orders.push(await placeOrder());
    const ids = orders.map((o) => o.id);

    // Through Bull (8 at a time in the processor) and, at the same time, a second run of
    // every job called directly: the same order is often issued by two runs at once.
    const jobs = await Promise.all(ids.map((id) => enqueue(jobMessages.invoice(id))));
    const direct = await Promise.all(ids.map((id) => invoices.issueInvoice(id)));
    const settled = [];
    for (const job of jobs) settled.push(await settledJob(queue, String(job.id)));
    expect(settled.map((job) => job.failedReason)).toEqual(ids.map(() => undefined));

    const rows = await invoicesOf(db, ids);
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => r.order_id)).size).toBe(50);
    expect(new Set(rows.map((r) => r.number)).size).toBe(50);
    expect(direct.map((d) => d.status).every((s) => s === 'issued' || s === 'existing')).toBe(true);
    // Other suites may issue invoices meanwhile: the invariant is over every number issued.
    await expectGaplessNumbering(db);
    for (const row of rows) {
      expect((await stat(join(invoiceDir, row.file_path))).size).toBeGreaterThan(1000);
      expect(await confirmationRows(row.order_id)).toBe(1);
    }
  });

  it('gives each refund a credit note for its amount that references the invoice (issuing the invoice first)', async () => {
    const order = await placeOrder('paid');
    const refunds = new AdminPayments(app);
    expect((await refunds.refund(order.id, { amount: 998, reason: 'Scratched' })).statusCode).toBe(
      200,
    );
    expect((await refunds.refund(order.id, { reason: 'Returned' })).statusCode).toBe(200);
    const [partial, rest] = await refunds.refundsOf(order.id);
    expect([partial.amount, rest.amount]).toEqual([998, order.total - 998]);
    for (const refund of [partial, rest]) {
      await invoices.issueCreditNote(order.id, refund.id);
      await invoices.issueCreditNote(order.id, refund.id);
    }

    const [invoice] = await invoicesOf(db, [order.id], 'invoice');
    const creditNotes = await invoicesOf(db, [order.id], 'credit_note');
    expect(invoice).toBeDefined();
    expect(creditNotes).toHaveLength(2);
    for (const note of creditNotes) {
      expect(note.number).toMatch(new RegExp(`^CN-${note.year}-\\d{6}$`));
      expect(note.credits_invoice_id).toBe(invoice.id);
    }
    // What the credit notes take back adds up to the invoice: the order was charged 0.
    expect(creditNotes.map((n) => n.total).sort((a, b) => b - a)).toEqual([
      -998,
      -(order.total - 998),
    ]);

    const partialNote = creditNotes.find((n) => n.total === -998)!;
    const text = await pdfText(await readFile(join(invoiceDir, partialNote.file_path)));
    for (const expected of [
      'Credit note',
      `Credit note number: ${partialNote.number}`,
      `Credits invoice ${invoice.number}`,
      `Order: ${order.number}`,
      'Refund: Scratched',
      '-€9.98',
    ]) {
      expect(text).toContain(expected);
    }
    await expectGaplessNumbering(db);
  }, 180_000);

  it('issues no credit note for a refund that has not succeeded or belongs to another order', async () => {
    const order = await placeOrder('paid');
    const other = await placeOrder('paid');
    const refunds = new AdminPayments(app);
    await refunds.refund(other.id, { amount: 100, reason: 'Other' });
    const [otherRefund] = await refunds.refundsOf(other.id);
    const outcome = await invoices.issueCreditNote(order.id, otherRefund.id);
    expect(outcome).toEqual({ status: 'skipped', reason: 'no such refund' });
    expect(await invoicesOf(db, [order.id], 'credit_note')).toEqual([]);
    expect(await invoicesOf(db, [order.id], 'invoice')).toHaveLength(1);
  });

  it('fails a job with a malformed order id, an unknown name or a missing order once, without retrying it', async () => {
    await queue.add('invoice', { orderId: 'not-a-uuid' }, { jobId: 'invoice.bad' });
    const failed = await settledJob(queue, 'invoice.bad');
    expect(failed.failedReason).toContain('invalid payload: orderId must be a UUID');
    expect(failed.attemptsMade).toBe(1);
    expect(await failed.isFailed()).toBe(true);

    await queue.add(
      'no-such-job',
      { orderId: '00000000-0000-4000-8000-000000000001' },
      { jobId: 'invoice.unknown-name' },
    );
    const unknown = await settledJob(queue, 'invoice.unknown-name');
    expect(unknown.failedReason).toMatch(/unknown job name "no-such-job"/);
    expect(unknown.attemptsMade).toBe(1);

    const gone = jobMessages.creditNote(
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
    );
    await enqueue(gone);
    const settled = await settledJob(queue, gone.jobId);
    expect(settled.failedReason).toBe('no such order 00000000-0000-4000-8000-000000000002');
    expect(settled.attemptsMade).toBe(1);
  });

  describe('GET /orders/:id/invoice', () => {
    const get = (path: string, user?: TestUser) =>
      app.inject({ method: 'GET', url: `/api/v1/orders/${path}`, headers: user?.auth });

    it('streams the PDF to the owner and to an admin, and hides it from anyone else', async () => {
      const order = await placeOrder();
      const before = await get(`${order.id}/invoice`, buyer);
      expect(before.statusCode).toBe(404);
      expect(before.headers['content-type']).toContain('application/problem+json');

      await invoices.issueInvoice(order.id);
      const [invoice] = await invoicesOf(db, [order.id]);

      const owner = await get(`${order.id}/invoice`, buyer);
      expect(owner.statusCode).toBe(200);
      expect(owner.headers['content-type']).toBe('application/pdf');
      expect(owner.headers['content-disposition']).toBe(
        `attachment; filename="${invoice.number}.pdf"`,
      );
      expect(owner.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(owner.rawPayload.equals(await readFile(join(invoiceDir, invoice.file_path)))).toBe(
        true,
      );

      const admin = await get(`${order.id}/invoice`, await createUser(app, 'admin'));
      expect(admin.statusCode).toBe(200);
      expect(admin.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');

      const stranger = await get(`${order.id}/invoice`, await createUser(app));
      expect(stranger.statusCode).toBe(404);
      expect(stranger.rawPayload.includes('%PDF')).toBe(false);

      expect((await get(`${order.id}/invoice`)).statusCode).toBe(401);
    });

    it('answers 400 for a malformed id and 404 for an unknown order', async () => {
      const malformed = await get('not-a-uuid/invoice', buyer);
      expect(malformed.statusCode).toBe(400);
      expect(malformed.headers['content-type']).toContain('application/problem+json');
      const unknown = await get('00000000-0000-4000-8000-00000000abcd/invoice', buyer);
      expect(unknown.statusCode).toBe(404);
    });

    it('serves a refunded order’s credit notes (latest, or by number), and 404 while there is none', async () => {
      const order = await placeOrder('paid');
      expect((await get(`${order.id}/credit-note`, buyer)).statusCode).toBe(404);
      const refunds = new AdminPayments(app);
      await refunds.refund(order.id, { reason: 'Returned' });
      const [refund] = await refunds.refundsOf(order.id);
      await invoices.issueCreditNote(order.id, refund.id);
      const [note] = await invoicesOf(db, [order.id], 'credit_note');
      const res = await get(`${order.id}/credit-note`, buyer);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${note.number}.pdf"`);
      expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const byNumber = await get(`${order.id}/credit-notes/${note.number}`, buyer);
      expect(byNumber.statusCode).toBe(200);
      expect(byNumber.rawPayload.equals(res.rawPayload)).toBe(true);
      expect((await get(`${order.id}/credit-notes/CN-1999-000001`, buyer)).statusCode).toBe(404);
      expect((await get(`${order.id}/credit-note`, await createUser(app))).statusCode).toBe(404);
    });
  });

  it('the renderer of the app refuses URL and local-file resources', async () => {
    const renderer = app.get(PdfRenderer);
    await expect(
      renderer.render({ content: [{ image: 'img' }], images: { img: 'http://169.254.169.254/' } }),
    ).rejects.toThrow(/denied by resource access policy/);
    await expect(renderer.render({ content: [{ image: '/etc/passwd' }] })).rejects.toThrow(
      /denied by resource access policy/,
    );
  });
});
