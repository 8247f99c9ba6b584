import { MigrationInterface, QueryRunner } from 'typeorm';

/** The tables whose uuid keys a checkout writes: new keys are time-ordered from now on. */
const TABLES = ['orders', 'order_items', 'payments'];

/**
 * New orders, order lines and payments get time-ordered keys (UUID version 7: the first 48 bits
 * are the Unix time in milliseconds, the rest random, as RFC 9562 lays out) instead of random
 * ones (version 4). A random key puts each insert on a random page of every index keyed by it
 * (an order's key also leads the indexes of its lines, status history, payment and stock
 * movements), so a shop's growing order tables were written all over: pages read back into
 * the buffer cache, and the first change of each page after a checkpoint written whole to the
 * WAL. Time-ordered keys append at one edge of those indexes. Existing keys stay as they are.
 *
 * `uuid_v7()` is PostgreSQL's own random UUID with its first 6 bytes replaced by the time and
 * its version nibble turned from 4 into 7 (bits 52 and 53, counted from each byte's low bit).
 * The checkout names its order's key itself, with the same layout (the `uuid` package's v7).
 */
export class TimeOrderedIds1765100000000 implements MigrationInterface {
  name = 'TimeOrderedIds1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION uuid_v7() RETURNS uuid LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
        SELECT encode(
          set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
            PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)
              FROM 3)
            FROM 1 FOR 6), 52, 1), 53, 1),
          'hex')::uuid
      $$`);
    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN id SET DEFAULT uuid_v7()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) {
      await q.query(`ALTER TABLE ${table} ALTER COLUMN id SET DEFAULT gen_random_uuid()`);
    }
    await q.query(`DROP FUNCTION uuid_v7()`);
  }
}
