import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An order line's reference to its variant is checked at COMMIT instead of at the line's
 * INSERT. A checkout inserts its lines just before it takes stock (one message: the order, the
 * stock, the COMMIT); checked at once, every line of a popular variant took a KEY SHARE lock on
 * that variant's row, so each checkout queued on the row added itself to the row's lock set
 * and every stock UPDATE of it copied that set. At COMMIT the checkout already holds the row
 * (its stock UPDATE), so the check costs nothing more. The rule is the same: a line never
 * commits naming a variant that does not exist.
 */
export class OrderItemVariantCheckAtCommit1764900000000 implements MigrationInterface {
  name = 'OrderItemVariantCheckAtCommit1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE order_items ALTER CONSTRAINT order_items_variant_id_fkey
         DEFERRABLE INITIALLY DEFERRED`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE order_items ALTER CONSTRAINT order_items_variant_id_fkey NOT DEFERRABLE`,
    );
  }
}
