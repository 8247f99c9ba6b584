import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `refuse_stock_change(lines)` fails the statement that calls it, with SQLSTATE `SC409` and
 * `lines` (every line of the change, each variant's stock as locked: null for one that does
 * not exist) as the error's detail. A stock change that does not fit fails instead of
 * answering that it did not, so that the COMMIT sent in the same message as the change
 * (checkout) never commits a transaction whose stock was refused.
 */
export class StockChangeRefusal1764800000000 implements MigrationInterface {
  name = 'StockChangeRefusal1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION refuse_stock_change(lines jsonb) RETURNS boolean
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RAISE EXCEPTION 'stock change refused' USING ERRCODE = 'SC409', DETAIL = lines::text;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION refuse_stock_change(jsonb)`);
  }
}
