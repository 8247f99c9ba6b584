import { MigrationInterface, QueryRunner } from 'typeorm';

/** Keyset pagination of the admin user list, and invalidating a user's pending tokens. */
export class UsersListIndexes1764072000000 implements MigrationInterface {
  name = 'UsersListIndexes1764072000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX "IDX_users_created_at_id" ON "users" ("created_at" DESC, "id" DESC)`,
    );
    await q.query(
      `CREATE INDEX "IDX_user_tokens_pending" ON "user_tokens" ("user_id", "purpose") WHERE "used_at" IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_user_tokens_pending"`);
    await q.query(`DROP INDEX "IDX_users_created_at_id"`);
  }
}
