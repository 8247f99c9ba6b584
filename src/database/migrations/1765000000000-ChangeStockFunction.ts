import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `change_stock(ids, deltas)`: the variants' part of a stock change, one variant at a time by
 * its primary key, so that the statement that calls it can be prepared once per connection and
 * planned generically without ever reading more variants than it changes. In id order it locks
 * each variant (`FOR NO KEY UPDATE`: it waits for other stock changes, not for the KEY SHARE
 * locks of foreign keys); unless every variant exists and no change takes one below 0 it fails
 * through `refuse_stock_change` (every line, each variant's stock as locked: null for one that
 * does not exist) having changed nothing; otherwise it applies each change and answers, per
 * variant in id order, its stock before and after and its low-stock threshold. `ids` are
 * distinct (a net change per variant); `deltas` are their changes, in the same order.
 *
 * A statement with the same work and no function (locks, checks, updates by joining the ids)
 * had a generic plan that scanned a small catalog's variants twice with a hot variant locked,
 * so it was sent as text and parsed and planned for every change: a fifth of PostgreSQL's time
 * per checkout. Each statement here finds its row by key whatever the catalog's size.
 */
export class ChangeStockFunction1765000000000 implements MigrationInterface {
  name = 'ChangeStockFunction1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION change_stock(ids uuid[], deltas int[])
      RETURNS TABLE (id uuid, before int, after int, threshold int)
      LANGUAGE plpgsql VOLATILE ROWS 4 AS $$
      DECLARE
        line record;
        variant_ids uuid[] := '{}';
        changes int[] := '{}';
        stocks int[] := '{}';
        thresholds int[] := '{}';
        locked_stock int;
        locked_threshold int;
        fits boolean := true;
      BEGIN
        FOR line IN
          SELECT n.id, n.delta FROM unnest(ids, deltas) AS n(id, delta) ORDER BY n.id
        LOOP
          SELECT v.stock, v.low_stock_threshold INTO locked_stock, locked_threshold
            FROM product_variants v WHERE v.id = line.id
             FOR NO KEY UPDATE;
          variant_ids := variant_ids || line.id;
          changes := changes || line.delta;
          stocks := stocks || locked_stock;
          thresholds := thresholds || locked_threshold;
          fits := fits AND locked_stock IS NOT NULL AND locked_stock + line.delta >= 0;
        END LOOP;
        IF NOT fits THEN
          PERFORM refuse_stock_change((
            SELECT jsonb_agg(jsonb_build_object('id', r.id, 'stock', r.stock, 'delta', r.delta)
                             ORDER BY r.ord)
              FROM unnest(variant_ids, stocks, changes) WITH ORDINALITY AS r(id, stock, delta, ord)
          ));
        END IF;
        FOR i IN 1 .. cardinality(variant_ids) LOOP
          -- Guarded as well: a change that does not fit answers after = null.
          UPDATE product_variants v SET stock = v.stock + changes[i], updated_at = now()
           WHERE v.id = variant_ids[i] AND v.stock + changes[i] >= 0
          RETURNING v.stock INTO after;
          id := variant_ids[i];
          before := stocks[i];
          threshold := thresholds[i];
          RETURN NEXT;
        END LOOP;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION change_stock(uuid[], int[])`);
  }
}
