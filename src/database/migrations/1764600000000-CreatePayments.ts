import { MigrationInterface, QueryRunner } from 'typeorm';

const NEW_STATUSES = `'awaiting_payment', 'paid', 'shipped', 'delivered', 'cancelled', 'expired',
  'partially_refunded', 'refunded'`;
const OLD_STATUSES = `'placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded'`;

/**
 * Payments: an order waits for its payment (`awaiting_payment`) and may expire; payments,
 * the money received for them, the provider events seen, and refunds (each with its own
 * credit note). Amounts are integer minor units of `currency`.
 */
export class CreatePayments1764600000000 implements MigrationInterface {
  name = 'CreatePayments1764600000000';

  async up(q: QueryRunner): Promise<void> {
    // Order statuses: `placed` becomes `awaiting_payment`; `expired`, `partially_refunded` new.
    await q.query(`ALTER TABLE "orders" DROP CONSTRAINT IF EXISTS "orders_status_check"`);
    await q.query(`ALTER TABLE "orders" ALTER COLUMN "status" TYPE varchar(20),
                     ALTER COLUMN "status" SET DEFAULT 'awaiting_payment'`);
    await q.query(`UPDATE "orders" SET "status" = 'awaiting_payment' WHERE "status" = 'placed'`);
    await q.query(`ALTER TABLE "orders" ADD CONSTRAINT "orders_status_check"
                     CHECK ("status" IN (${NEW_STATUSES}))`);
    await q.query(`ALTER TABLE "order_status_history"
                     ALTER COLUMN "from_status" TYPE varchar(20),
                     ALTER COLUMN "to_status" TYPE varchar(20)`);
    await q.query(`UPDATE "order_status_history" SET "to_status" = 'awaiting_payment'
                    WHERE "to_status" = 'placed'`);
    await q.query(`UPDATE "order_status_history" SET "from_status" = 'awaiting_payment'
                    WHERE "from_status" = 'placed'`);

    // Stock given back by an expired order.
    await q.query(
      `ALTER TABLE "stock_movements" DROP CONSTRAINT IF EXISTS "stock_movements_reason_check"`,
    );
    await q.query(`ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_reason_check"
                     CHECK ("reason" IN ('order', 'cancellation', 'expiry', 'adjustment', 'return'))`);

    // One payment per order: what is due, through which provider, and where it stands.
    await q.query(`
      CREATE TABLE "payments" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "order_id" uuid NOT NULL REFERENCES "orders" ("id") ON DELETE CASCADE,
        "provider" varchar(20) NOT NULL,
        "status" varchar(20) NOT NULL DEFAULT 'pending'
          CHECK ("status" IN ('pending', 'paid', 'partially_refunded', 'refunded', 'expired',
                              'cancelled', 'refund_required')),
        "amount" integer NOT NULL CHECK ("amount" >= 0),
        "paid_amount" integer NOT NULL DEFAULT 0 CHECK ("paid_amount" >= 0),
        "refunded_amount" integer NOT NULL DEFAULT 0
          CHECK ("refunded_amount" >= 0 AND "refunded_amount" <= "paid_amount"),
        "currency" char(3) NOT NULL,
        -- The provider's id for it (Stripe: the PaymentIntent; manual: the order number).
        "provider_reference" varchar(255),
        -- What the client needs to pay (Stripe: clientSecret; manual: bank instructions).
        "client_data" jsonb NOT NULL DEFAULT '{}',
        "expires_at" timestamptz NOT NULL,
        -- Something an admin has to look at: 'overpaid', 'late_payment'.
        "attention" varchar(20) CHECK ("attention" IN ('overpaid', 'late_payment')),
        "last_failure" varchar(300),
        "paid_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_payments_order" ON "payments" ("order_id")`);
    await q.query(`CREATE UNIQUE INDEX "UQ_payments_provider_reference"
                     ON "payments" ("provider", "provider_reference")
                     WHERE "provider_reference" IS NOT NULL`);
    // The expiry sweep reads only the pending ones, oldest deadline first.
    await q.query(`CREATE INDEX "IDX_payments_pending_expiry" ON "payments" ("expires_at")
                     WHERE "status" = 'pending'`);
    await q.query(`CREATE INDEX "IDX_payments_attention" ON "payments" ("attention")
                     WHERE "attention" IS NOT NULL`);

    // Money received for a payment; `key` makes a receipt idempotent per provider
    // (Stripe: the PaymentIntent; a manual webhook: its event id; an admin record: a uuid).
    await q.query(`
      CREATE TABLE "payment_receipts" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "payment_id" uuid NOT NULL REFERENCES "payments" ("id") ON DELETE CASCADE,
        "provider" varchar(20) NOT NULL,
        "key" varchar(255) NOT NULL,
        "amount" integer NOT NULL CHECK ("amount" > 0),
        "reference" varchar(255),
        "received_at" timestamptz NOT NULL,
        "recorded_by" uuid REFERENCES "users" ("id") ON DELETE SET NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_payment_receipts_key" ON "payment_receipts" ("provider", "key")`,
    );
    await q.query(
      `CREATE INDEX "IDX_payment_receipts_payment" ON "payment_receipts" ("payment_id")`,
    );

    // Every webhook event seen, by the provider's event id: a duplicate is recognised here.
    await q.query(`
      CREATE TABLE "payment_events" (
        "id" bigserial PRIMARY KEY,
        "provider" varchar(20) NOT NULL,
        "event_id" varchar(255) NOT NULL,
        "type" varchar(40) NOT NULL,
        "payment_id" uuid REFERENCES "payments" ("id") ON DELETE SET NULL,
        "provider_reference" varchar(255) NOT NULL,
        "amount" integer NOT NULL,
        "currency" char(3) NOT NULL,
        "occurred_at" timestamptz NOT NULL,
        "outcome" varchar(200) NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_payment_events_event" ON "payment_events" ("provider", "event_id")`,
    );
    await q.query(`CREATE INDEX "IDX_payment_events_payment" ON "payment_events" ("payment_id")`);

    // Money given back: each refund is requested (pending), then settled by the provider.
    await q.query(`
      CREATE TABLE "refunds" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "payment_id" uuid NOT NULL REFERENCES "payments" ("id") ON DELETE CASCADE,
        "order_id" uuid NOT NULL REFERENCES "orders" ("id") ON DELETE CASCADE,
        "amount" integer NOT NULL CHECK ("amount" > 0),
        "reason" varchar(500) NOT NULL,
        -- requested by an admin, by a cancellation, automatic (late payment), or external
        -- (made on the provider's side, learned from a webhook).
        "origin" varchar(12) NOT NULL
          CHECK ("origin" IN ('admin', 'cancellation', 'late_payment', 'external')),
        "status" varchar(12) NOT NULL DEFAULT 'pending'
          CHECK ("status" IN ('pending', 'succeeded', 'failed')),
        -- A manual refund succeeds as recorded but is paid out by hand.
        "payout" varchar(12) NOT NULL DEFAULT 'provider' CHECK ("payout" IN ('provider', 'manual')),
        "provider_refund_id" varchar(255),
        "failure" varchar(300),
        -- The number of its credit note once issued (set by the invoices module).
        "credit_note_number" varchar(32),
        "requested_by" uuid REFERENCES "users" ("id") ON DELETE SET NULL,
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "settled_at" timestamptz
      )`);
    await q.query(`CREATE INDEX "IDX_refunds_payment" ON "refunds" ("payment_id", "created_at")`);
    await q.query(`CREATE INDEX "IDX_refunds_pending" ON "refunds" ("created_at")
                     WHERE "status" = 'pending'`);

    // A credit note per refund (for its amount), instead of one per order.
    await q.query(`ALTER TABLE "invoices" ADD COLUMN "refund_id" uuid
                     REFERENCES "refunds" ("id") ON DELETE RESTRICT`);
    await q.query(`DROP INDEX "UQ_invoices_order_kind"`);
    await q.query(`CREATE UNIQUE INDEX "UQ_invoices_order_invoice" ON "invoices" ("order_id")
                     WHERE "kind" = 'invoice'`);
    await q.query(`CREATE UNIQUE INDEX "UQ_invoices_refund" ON "invoices" ("refund_id")
                     WHERE "refund_id" IS NOT NULL`);

    // A review counts (rating, public list) only while its author's purchase still qualifies.
    await q.query(`ALTER TABLE "reviews" ADD COLUMN "hidden_at" timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "reviews" DROP COLUMN "hidden_at"`);
    await q.query(`DROP INDEX "UQ_invoices_refund"`);
    await q.query(`DROP INDEX "UQ_invoices_order_invoice"`);
    await q.query(`DELETE FROM "invoices" WHERE "refund_id" IS NOT NULL AND "id" NOT IN (
                     SELECT DISTINCT ON ("order_id") "id" FROM "invoices"
                      WHERE "kind" = 'credit_note' ORDER BY "order_id", "issued_at")`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_invoices_order_kind" ON "invoices" ("order_id", "kind")`,
    );
    await q.query(`ALTER TABLE "invoices" DROP COLUMN "refund_id"`);
    await q.query(`DROP TABLE "refunds"`);
    await q.query(`DROP TABLE "payment_events"`);
    await q.query(`DROP TABLE "payment_receipts"`);
    await q.query(`DROP TABLE "payments"`);
    await q.query(
      `ALTER TABLE "stock_movements" DROP CONSTRAINT IF EXISTS "stock_movements_reason_check"`,
    );
    await q.query(
      `UPDATE "stock_movements" SET "reason" = 'cancellation' WHERE "reason" = 'expiry'`,
    );
    await q.query(`ALTER TABLE "stock_movements" ADD CONSTRAINT "stock_movements_reason_check"
                     CHECK ("reason" IN ('order', 'cancellation', 'adjustment', 'return'))`);
    await q.query(`ALTER TABLE "orders" DROP CONSTRAINT IF EXISTS "orders_status_check"`);
    await q.query(`UPDATE "orders" SET "status" = CASE "status"
                     WHEN 'awaiting_payment' THEN 'placed' WHEN 'expired' THEN 'cancelled'
                     WHEN 'partially_refunded' THEN 'paid' ELSE "status" END`);
    await q.query(`UPDATE "order_status_history" SET
                     "from_status" = CASE "from_status" WHEN 'awaiting_payment' THEN 'placed'
                       WHEN 'expired' THEN 'cancelled' WHEN 'partially_refunded' THEN 'paid'
                       ELSE "from_status" END,
                     "to_status" = CASE "to_status" WHEN 'awaiting_payment' THEN 'placed'
                       WHEN 'expired' THEN 'cancelled' WHEN 'partially_refunded' THEN 'paid'
                       ELSE "to_status" END`);
    await q.query(`ALTER TABLE "order_status_history"
                     ALTER COLUMN "from_status" TYPE varchar(10),
                     ALTER COLUMN "to_status" TYPE varchar(10)`);
    await q.query(`ALTER TABLE "orders" ALTER COLUMN "status" TYPE varchar(10),
                     ALTER COLUMN "status" SET DEFAULT 'placed'`);
    await q.query(`ALTER TABLE "orders" ADD CONSTRAINT "orders_status_check"
                     CHECK ("status" IN (${OLD_STATUSES}))`);
  }
}
