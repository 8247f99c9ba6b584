import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Completion, not hand-over: an outbox row is settled (`settled_at`) when its job has finished
 * its work, so that a job lost by Redis after the hand-over is handed over again. Rows relayed
 * before this migration are taken as settled (the old code could not tell). And the mail log
 * counts the attempts whose outcome was unknown (the message may have gone out).
 */
export class JobCompletion1764500000000 implements MigrationInterface {
  name = 'JobCompletion1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "outbox" ADD "settled_at" timestamptz`);
    await q.query(`UPDATE "outbox" SET "settled_at" = "relayed_at" WHERE "relayed_at" IS NOT NULL`);
    // The unfinished jobs: the redelivery sweep and the oldest-unfinished-job metric read these.
    await q.query(
      `CREATE INDEX "IDX_outbox_unsettled" ON "outbox" ("created_at") WHERE "settled_at" IS NULL`,
    );
    await q.query(`ALTER TABLE "mail_log" ADD "unknown_outcomes" integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_mail_log_unknown"`);
    await q.query(`ALTER TABLE "mail_log" DROP COLUMN "unknown_outcomes"`);
    await q.query(`DROP INDEX "IDX_outbox_unsettled"`);
    await q.query(`ALTER TABLE "outbox" DROP COLUMN "settled_at"`);
  }
}
