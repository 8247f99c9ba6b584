import { Pool } from 'pg';

/**
 * Bench data for the order scenarios: gives the demo customer `count` orders of two lines each
 * over the seeded catalog, written straight into the tables (a bench fixture, like the seed:
 * no stock is taken). Idempotent: tops up to `count`.
 */
export async function ensureBenchOrders(
  databaseUrl: string,
  email: string,
  count: number,
): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const [user] = (await pool.query(`SELECT id, name, email FROM users WHERE email = $1`, [email]))
      .rows;
    if (!user) throw new Error(`No ${email}: is the bench database seeded?`);
    const { rows: have } = await pool.query(
      `SELECT count(*)::int AS n FROM orders WHERE user_id = $1`,
      [user.id],
    );
    const missing = count - have[0].n;
    if (missing <= 0) return;
    // One statement: `missing` orders, each with two variants picked round-robin.
    await pool.query(
      `WITH v AS (
         SELECT v.id, v.sku, v.price, v.options, p.id AS product_id, p.shop_id, p.title,
                row_number() OVER (ORDER BY v.id) - 1 AS i, count(*) OVER () AS n
           FROM product_variants v JOIN products p ON p.id = v.product_id),
       o AS (
         INSERT INTO orders (number, user_id, status, currency, subtotal, tax, tax_rate_bps,
                             shipping, total, buyer_name, buyer_email, shipping_address)
         SELECT 'SO-BENCH-' || lpad(nextval('order_number_seq')::text, 9, '0'), $1, 'paid',
                'EUR', 0, 0, 0, 0, 0, $2, $3,
                '{"line1":"1 Bench Road","city":"Berlin","postalCode":"10115","country":"DE"}'
           FROM generate_series(1, $4) g
         RETURNING id),
       numbered AS (SELECT id, row_number() OVER () AS k FROM o)
       INSERT INTO order_items (order_id, position, variant_id, product_id, shop_id, sku, title,
                                options, unit_price, quantity, line_total)
       SELECT numbered.id, pos, v.id, v.product_id, v.shop_id, v.sku, v.title, v.options,
              v.price, 1, v.price
         FROM numbered CROSS JOIN generate_series(0, 1) pos
         JOIN v ON v.i = (numbered.k * 2 + pos) % v.n`,
      [user.id, user.name, user.email, missing],
    );
    // Totals from the lines (no tax or shipping on bench orders).
    await pool.query(
      `UPDATE orders o SET subtotal = t.s, total = t.s
         FROM (SELECT order_id, sum(line_total)::int AS s FROM order_items GROUP BY order_id) t
        WHERE t.order_id = o.id AND o.user_id = $1 AND o.total = 0`,
      [user.id],
    );
  } finally {
    await pool.end();
  }
}
