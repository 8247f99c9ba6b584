import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateCatalog1764100000000 implements MigrationInterface {
  name = 'CreateCatalog1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "shops" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "merchant_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE RESTRICT,
        "name" varchar(120) NOT NULL,
        "slug" varchar(140) NOT NULL,
        "description" text CHECK (char_length("description") <= 2000),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_shops_merchant" ON "shops" ("merchant_id")`);
    await q.query(`CREATE UNIQUE INDEX "UQ_shops_slug" ON "shops" ("slug")`);

    await q.query(`
      CREATE TABLE "categories" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "parent_id" uuid REFERENCES "categories" ("id") ON DELETE RESTRICT,
        "name" varchar(80) NOT NULL,
        "slug" varchar(100) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_categories_slug" ON "categories" ("slug")`);
    await q.query(`CREATE INDEX "IDX_categories_parent" ON "categories" ("parent_id")`);

    await q.query(`
      CREATE TABLE "products" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "shop_id" uuid NOT NULL REFERENCES "shops" ("id") ON DELETE RESTRICT,
        "category_id" uuid REFERENCES "categories" ("id") ON DELETE RESTRICT,
        "slug" varchar(160) NOT NULL,
        "title" varchar(140) NOT NULL,
        "description" text CHECK (char_length("description") <= 5000),
        "status" varchar(10) NOT NULL DEFAULT 'draft'
          CHECK ("status" IN ('draft', 'published', 'archived')),
        "attributes" jsonb NOT NULL DEFAULT '{}',
        "images" jsonb NOT NULL DEFAULT '[]',
        "rating_sum" integer NOT NULL DEFAULT 0 CHECK ("rating_sum" >= 0),
        "rating_count" integer NOT NULL DEFAULT 0 CHECK ("rating_count" >= 0),
        "rating_avg" numeric(6, 4) GENERATED ALWAYS AS (
          CASE WHEN "rating_count" = 0 THEN 0
               ELSE round("rating_sum"::numeric / "rating_count", 4) END) STORED,
        "min_price" integer NOT NULL DEFAULT 0,
        "max_price" integer NOT NULL DEFAULT 0,
        "search" tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('english', "title"), 'A') ||
          setweight(to_tsvector('english', coalesce("description", '')), 'B')) STORED,
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_products_slug" ON "products" ("slug")`);
    await q.query(`CREATE INDEX "IDX_products_shop" ON "products" ("shop_id")`);
    await q.query(`CREATE INDEX "IDX_products_category" ON "products" ("category_id")`);
    await q.query(`CREATE INDEX "IDX_products_search" ON "products" USING gin ("search")`);
    // Keyset orders of the public listing (published only).
    await q.query(`CREATE INDEX "IDX_products_pub_newest" ON "products" ("created_at" DESC, "id" DESC)
      WHERE "status" = 'published'`);
    await q.query(`CREATE INDEX "IDX_products_pub_price" ON "products" ("min_price", "id")
      WHERE "status" = 'published'`);
    await q.query(`CREATE INDEX "IDX_products_pub_rating" ON "products" ("rating_avg" DESC, "id" DESC)
      WHERE "status" = 'published'`);

    await q.query(`
      CREATE TABLE "product_variants" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "product_id" uuid NOT NULL REFERENCES "products" ("id") ON DELETE CASCADE,
        "sku" varchar(64) NOT NULL,
        "options" jsonb NOT NULL DEFAULT '{}',
        "price" integer NOT NULL CHECK ("price" >= 0),
        "stock" integer NOT NULL DEFAULT 0 CHECK ("stock" >= 0),
        "low_stock_threshold" integer NOT NULL DEFAULT 5 CHECK ("low_stock_threshold" >= 0),
        "archived" boolean NOT NULL DEFAULT false,
        "position" integer NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_product_variants_sku" ON "product_variants" ("sku")`);
    await q.query(
      `CREATE INDEX "IDX_product_variants_product" ON "product_variants" ("product_id", "position")`,
    );

    await q.query(`
      CREATE TABLE "stock_movements" (
        "id" bigserial PRIMARY KEY,
        "variant_id" uuid NOT NULL REFERENCES "product_variants" ("id") ON DELETE CASCADE,
        "delta" integer NOT NULL CHECK ("delta" <> 0),
        "reason" varchar(20) NOT NULL
          CHECK ("reason" IN ('order', 'cancellation', 'adjustment', 'return')),
        "actor_id" uuid REFERENCES "users" ("id") ON DELETE SET NULL,
        "order_id" uuid,
        "note" varchar(200),
        "resulting_stock" integer NOT NULL CHECK ("resulting_stock" >= 0),
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE INDEX "IDX_stock_movements_variant" ON "stock_movements" ("variant_id", "id")`,
    );
    await q.query(`CREATE INDEX "IDX_stock_movements_order" ON "stock_movements" ("order_id")
      WHERE "order_id" IS NOT NULL`);

    await q.query(`
      CREATE TABLE "reviews" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "product_id" uuid NOT NULL REFERENCES "products" ("id") ON DELETE CASCADE,
        "user_id" uuid NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "rating" smallint NOT NULL CHECK ("rating" BETWEEN 1 AND 5),
        "comment" text CHECK (char_length("comment") <= 2000),
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_reviews_product_user" ON "reviews" ("product_id", "user_id")`,
    );
    await q.query(
      `CREATE INDEX "IDX_reviews_product_created" ON "reviews" ("product_id", "created_at" DESC, "id" DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "reviews"`);
    await q.query(`DROP TABLE "stock_movements"`);
    await q.query(`DROP TABLE "product_variants"`);
    await q.query(`DROP TABLE "products"`);
    await q.query(`DROP TABLE "categories"`);
    await q.query(`DROP TABLE "shops"`);
  }
}
