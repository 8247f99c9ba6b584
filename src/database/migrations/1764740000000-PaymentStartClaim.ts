import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A payment start in progress: until `start_claimed_until`, one request is asking the provider
 * for the payment (checkout's own request first), so that a checkout replayed meanwhile waits
 * for its answer instead of calling the provider a second time. NULL once started or failed.
 */
export class PaymentStartClaim1764740000000 implements MigrationInterface {
  name = 'PaymentStartClaim1764740000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "payments" ADD "start_claimed_until" timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "payments" DROP COLUMN "start_claimed_until"`);
  }
}
