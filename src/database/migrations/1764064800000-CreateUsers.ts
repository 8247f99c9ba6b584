import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1764064800000 implements MigrationInterface {
  name = 'CreateUsers1764064800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE "users" (
        "id" uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        "email" varchar(254) NOT NULL,
        "password_hash" text NOT NULL,
        "name" varchar(120) NOT NULL,
        "roles" text[] NOT NULL DEFAULT '{customer}',
        "email_verified_at" timestamptz,
        "phone" varchar(32),
        "address" jsonb,
        "avatar_file" varchar(100),
        "active" boolean NOT NULL DEFAULT true,
        "deleted_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "CHK_users_email_lower" CHECK ("email" = lower("email")),
        CONSTRAINT "CHK_users_roles" CHECK ("roles" <@ ARRAY['customer','merchant','admin']::text[])
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_users_email" ON "users" ("email")`);
    await q.query(`CREATE INDEX "IDX_users_roles" ON "users" USING gin ("roles")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "users"`);
  }
}
