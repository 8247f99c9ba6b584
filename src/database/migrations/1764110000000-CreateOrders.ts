import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders, their lines and status history, and the checkout idempotency keys.
 * Amounts are integer minor units of `currency`.
 */
export class CreateOrders1764110000000 implements MigrationInterface {
  name = 'CreateOrders1764110000000';

  async up(q: QueryRunner): Promise<void> {
    // Order numbers (`SO-2026-000123`) only need to be unique, not gapless: a sequence.
    await q.query(`CREATE SEQUENCE "order_number_seq" AS bigint START 1`);

    await q.query(`
      CREATE TABLE "orders" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "number" varchar(24) NOT NULL,
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
        "status" varchar(10) NOT NULL DEFAULT 'placed'
          CHECK ("status" IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded')),
        "currency" char(3) NOT NULL,
        "subtotal" integer NOT NULL CHECK ("subtotal" >= 0),
        "tax" integer NOT NULL CHECK ("tax" >= 0),
        "tax_rate_bps" integer NOT NULL CHECK ("tax_rate_bps" BETWEEN 0 AND 10000),
        "shipping" integer NOT NULL CHECK ("shipping" >= 0),
        "total" integer NOT NULL CHECK ("total" = "subtotal" + "tax" + "shipping"),
        -- Snapshots taken at checkout (what the invoice shows); erased with the account.
        "buyer_name" varchar(120) NOT NULL,
        "buyer_email" varchar(254) NOT NULL,
        "shipping_address" jsonb NOT NULL,
        "note" text CHECK (char_length("note") <= 500),
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_orders_number" ON "orders" ("number")`);
    // Keyset pages: own orders newest first; admin list by status.
    await q.query(
      `CREATE INDEX "IDX_orders_user_created" ON "orders" ("user_id", "created_at" DESC, "id" DESC)`,
    );
    await q.query(
      `CREATE INDEX "IDX_orders_status_created" ON "orders" ("status", "created_at" DESC, "id" DESC)`,
    );
    await q.query(`CREATE INDEX "IDX_orders_created" ON "orders" ("created_at" DESC, "id" DESC)`);

    await q.query(`
      CREATE TABLE "order_items" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "order_id" uuid NOT NULL REFERENCES "orders" ("id") ON DELETE CASCADE,
        "position" integer NOT NULL,
        -- Kept as the ids they were; the variant or product may be deleted later.
        "variant_id" uuid REFERENCES "product_variants" ("id") ON DELETE SET NULL,
        "product_id" uuid REFERENCES "products" ("id") ON DELETE SET NULL,
        "shop_id" uuid NOT NULL REFERENCES "shops" ("id") ON DELETE RESTRICT,
        "sku" varchar(64) NOT NULL,
        "title" varchar(200) NOT NULL,
        "options" jsonb NOT NULL DEFAULT '{}',
        "unit_price" integer NOT NULL CHECK ("unit_price" >= 0),
        "quantity" integer NOT NULL CHECK ("quantity" > 0),
        "line_total" integer NOT NULL CHECK ("line_total" = "unit_price" * "quantity"),
        UNIQUE ("order_id", "position")
      )`);
    await q.query(`CREATE INDEX "IDX_order_items_shop" ON "order_items" ("shop_id", "order_id")`);
    await q.query(`CREATE INDEX "IDX_order_items_product" ON "order_items" ("product_id")`);
    await q.query(`CREATE INDEX "IDX_order_items_variant" ON "order_items" ("variant_id")`);

    await q.query(`
      CREATE TABLE "order_status_history" (
        "id" bigserial PRIMARY KEY,
        "order_id" uuid NOT NULL REFERENCES "orders" ("id") ON DELETE CASCADE,
        "from_status" varchar(10),
        "to_status" varchar(10) NOT NULL,
        "actor_id" uuid REFERENCES "users" ("id") ON DELETE SET NULL,
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE INDEX "IDX_order_status_history_order" ON "order_status_history" ("order_id", "id")`,
    );

    // One row per (user, Idempotency-Key): the request's hash and the order it placed.
    await q.query(`
      CREATE TABLE "checkout_requests" (
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "key" varchar(255) NOT NULL,
        "request_hash" char(64) NOT NULL,
        "order_id" uuid REFERENCES "orders" ("id") ON DELETE SET NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        PRIMARY KEY ("user_id", "key")
      )`);
    await q.query(
      `CREATE INDEX "IDX_checkout_requests_expires" ON "checkout_requests" ("expires_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "checkout_requests"`);
    await q.query(`DROP TABLE "order_status_history"`);
    await q.query(`DROP TABLE "order_items"`);
    await q.query(`DROP TABLE "orders"`);
    await q.query(`DROP SEQUENCE "order_number_seq"`);
  }
}
