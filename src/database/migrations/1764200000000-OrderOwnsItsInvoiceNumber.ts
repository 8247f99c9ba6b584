import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Module ownership (issue 10):
 * - `orders.invoice_number`: the order's views show its invoice number without reading the
 *   invoices module's table; the invoices module sets it when it issues the invoice.
 * - `checkout_requests.order_id` is checked at commit (DEFERRABLE INITIALLY DEFERRED): checkout
 *   claims the key with the id of the order it is about to place, so that placing the order
 *   no longer writes the checkout module's table.
 */
export class OrderOwnsItsInvoiceNumber1764200000000 implements MigrationInterface {
  name = 'OrderOwnsItsInvoiceNumber1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "orders" ADD "invoice_number" varchar(24)`);
    await q.query(
      `UPDATE "orders" o SET "invoice_number" = i."number"
         FROM "invoices" i WHERE i."order_id" = o."id" AND i."kind" = 'invoice'`,
    );
    await q.query(
      `ALTER TABLE "checkout_requests" ALTER CONSTRAINT "checkout_requests_order_id_fkey"
         DEFERRABLE INITIALLY DEFERRED`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "checkout_requests" ALTER CONSTRAINT "checkout_requests_order_id_fkey"
         NOT DEFERRABLE`,
    );
    await q.query(`ALTER TABLE "orders" DROP COLUMN "invoice_number"`);
  }
}
