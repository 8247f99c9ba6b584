import { MigrationInterface, QueryRunner } from 'typeorm';

/** The transactional outbox, invoices with their gapless counters, and the mail log. */
export class CreateJobs1764120000000 implements MigrationInterface {
  name = 'CreateJobs1764120000000';

  async up(q: QueryRunner): Promise<void> {
    // Written in the producer's transaction; the relay moves rows onto Bull and stamps them.
    await q.query(`
      CREATE TABLE "outbox" (
        "id" bigserial PRIMARY KEY,
        "queue" varchar(40) NOT NULL,
        "name" varchar(60) NOT NULL,
        "job_id" varchar(200) NOT NULL,
        "payload" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "relayed_at" timestamptz,
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" text
      )`);
    // One row per job: writing the same event twice is a no-op (ON CONFLICT DO NOTHING).
    await q.query(`CREATE UNIQUE INDEX "UQ_outbox_job_id" ON "outbox" ("job_id")`);
    await q.query(
      `CREATE INDEX "IDX_outbox_pending" ON "outbox" ("id") WHERE "relayed_at" IS NULL`,
    );

    // The last number handed out per (kind, year), locked FOR UPDATE by whoever allocates.
    await q.query(`
      CREATE TABLE "invoice_counters" (
        "kind" varchar(12) NOT NULL CHECK ("kind" IN ('invoice', 'credit_note')),
        "year" integer NOT NULL,
        "last_number" integer NOT NULL DEFAULT 0 CHECK ("last_number" >= 0),
        PRIMARY KEY ("kind", "year")
      )`);
    await q.query(`
      CREATE TABLE "invoices" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "order_id" uuid NOT NULL REFERENCES "orders" ("id") ON DELETE RESTRICT,
        "kind" varchar(12) NOT NULL CHECK ("kind" IN ('invoice', 'credit_note')),
        "year" integer NOT NULL,
        "sequence" integer NOT NULL CHECK ("sequence" > 0),
        "number" varchar(24) NOT NULL,
        -- A credit note points at the invoice it cancels.
        "credits_invoice_id" uuid REFERENCES "invoices" ("id") ON DELETE RESTRICT,
        "currency" char(3) NOT NULL,
        "total" integer NOT NULL,
        -- Relative to INVOICE_DIR: <year>/<number>.pdf
        "file_path" varchar(200) NOT NULL,
        "issued_at" timestamptz NOT NULL DEFAULT now(),
        CHECK (("kind" = 'credit_note') = ("credits_invoice_id" IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_invoices_number" ON "invoices" ("number")`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_invoices_kind_year_seq" ON "invoices" ("kind", "year", "sequence")`,
    );
    // One invoice and at most one credit note per order, however often a job runs.
    await q.query(
      `CREATE UNIQUE INDEX "UQ_invoices_order_kind" ON "invoices" ("order_id", "kind")`,
    );

    // One row per message event (its key is the job id): the at-most-once record.
    await q.query(`
      CREATE TABLE "mail_log" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "event_key" varchar(200) NOT NULL,
        "template" varchar(60) NOT NULL,
        "recipient" varchar(254) NOT NULL,
        "subject" varchar(200),
        "status" varchar(10) NOT NULL CHECK ("status" IN ('sending', 'sent', 'failed', 'skipped')),
        "attempts" integer NOT NULL DEFAULT 0,
        "provider_message_id" varchar(250),
        "last_error" text,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "sent_at" timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_mail_log_event" ON "mail_log" ("event_key")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "mail_log"`);
    await q.query(`DROP TABLE "invoices"`);
    await q.query(`DROP TABLE "invoice_counters"`);
    await q.query(`DROP TABLE "outbox"`);
  }
}
