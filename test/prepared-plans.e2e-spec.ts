import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { preparedStatementTexts } from '../src/database/sql';
import { OVERDUE_ROWS_SQL } from '../src/modules/queues/outbox-relay';
import { QUEUE_NAMES } from '../src/modules/queues/queue-names';
import { VariantsRepository } from '../src/modules/catalog/variants.repository';
import { OrderListFilter, OrdersRepository } from '../src/modules/orders/orders.repository';
import { createBuyers } from './support/buyers';
import { createMerchant, createProduct } from './support/catalog';
import { addToCart, postCheckout } from './support/checkout';
import { createTestApp } from './support/test-app';
import { createUser } from './support/users';

/**
 * The catalogs the generic plans are checked against, in schemas of their own (copies of the
 * real tables): the demo's size, where a sequential scan looks cheap to the planner, and a
 * large one. Products × variants per product.
 */
const CATALOGS = [
  { products: 240, variants: 3 },
  { products: 2_000, variants: 10 },
];
const CATALOG_TABLES = ['products', 'product_variants'];
const ADDRESS = { line1: '1 Plan Street', city: 'Berlin', postalCode: '10115', country: 'DE' };
/**
 * The order book the order lists' generic plans are checked against, shaped like the bench's
 * after its checkout and webhook runs: 45,000 orders (11 MB, above the size where PostgreSQL
 * considers a parallel scan) of 400 buyers over 4 shops, one in 20 paid and the rest awaiting
 * payment, in the order they were placed; two lines and a payment each, a refund on about one
 * paid order in ten.
 */
const ORDER_BOOK = { orders: 45_000, buyers: 400, shops: 4, paidEvery: 20 };
const ORDER_TABLES = ['orders', 'order_items', 'payments', 'refunds'];
/** The copies large enough that a scan costs (refunds: a few hundred rows in 4 pages). */
const LARGE_ORDER_TABLES = ['orders', 'order_items', 'payments'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Schema?: string;
  'Index Name'?: string;
  Filter?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** A node of a plan that reads a table: how, and the condition it drops rows by, if any. */
interface TableRead {
  table: string;
  node: string;
  index?: string;
  filter?: string;
}

/**
 * The hot reads run as named statements (`preparedQuery`). After five runs PostgreSQL may plan
 * such a statement once for any parameter values (a generic plan), estimating an array
 * parameter at 10 elements. This checks, for every named statement the catalog, cart, account
 * and order routes ran, that its generic plan reads catalog rows by index and never scans a
 * whole catalog table, on a catalog of 720 variants and on one of 20,000: pricing a cart of
 * three lines read all 720 before (its `unnest` joined by hash over a sequential scan). It
 * also checks the order lists on a book of 45,000 orders: none scans orders whole or drops
 * orders by status. Their `LIMIT $n`, guessed at a tenth of the matches, had the list by status
 * scan every order in parallel and sort them.
 */
describe('named statements keep index plans when PostgreSQL plans them generically', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  const run = randomBytes(4).toString('hex');
  const schemas = CATALOGS.map((_, i) => `plans_${run}_${i}`);
  const orderSchema = `plans_${run}_orders`;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    for (const [i, schema] of schemas.entries()) {
      await db.query(`CREATE SCHEMA ${schema}`);
      for (const table of CATALOG_TABLES) {
        await db.query(`CREATE TABLE ${schema}.${table} (LIKE public.${table} INCLUDING ALL)`);
      }
      await db.query(
        `INSERT INTO ${schema}.products (shop_id, slug, title, status, created_at)
         SELECT gen_random_uuid(), 'plan-' || i, 'Plan product ' || i,
                CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'published' END,
                now() - i * interval '1 minute'
           FROM generate_series(1, $1::int) AS i`,
        [CATALOGS[i].products],
      );
      await db.query(
        `INSERT INTO ${schema}.product_variants (product_id, sku, price, stock, position)
         SELECT p.id, p.slug || '-' || j, 100 * j, j, j
           FROM ${schema}.products p, generate_series(1, $1::int) AS j`,
        [CATALOGS[i].variants],
      );
      await db.query(`ANALYZE ${schema}.products, ${schema}.product_variants`);
    }
    await createOrderBook();
  });
  afterAll(async () => {
    for (const schema of [...schemas, orderSchema]) {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    }
    await app.close();
  });

  /** `ORDER_BOOK` in `orderSchema`: copies of the order tables, analyzed. */
  async function createOrderBook() {
    await db.query(`CREATE SCHEMA ${orderSchema}`);
    for (const table of ORDER_TABLES) {
      await db.query(`CREATE TABLE ${orderSchema}.${table} (LIKE public.${table} INCLUDING ALL)`);
    }
    const { orders, buyers, shops, paidEvery } = ORDER_BOOK;
    await db.query(
      `INSERT INTO ${orderSchema}.orders (number, user_id, status, currency, subtotal, tax,
              tax_rate_bps, shipping, total, buyer_name, buyer_email, shipping_address, created_at)
       SELECT 'SO-PLAN-' || i, md5('buyer' || i % $2)::uuid,
              CASE WHEN i % $3 = 0 THEN 'paid' ELSE 'awaiting_payment' END, 'EUR', 2000, 0, 0,
              0, 2000, 'Plan Buyer', 'plan-buyer@example.com', $4::jsonb,
              now() - ($1 - i) * interval '1 second'
         FROM generate_series(1, $1::int) AS i`,
      [orders, buyers, paidEvery, JSON.stringify(ADDRESS)],
    );
    await db.query(
      `INSERT INTO ${orderSchema}.order_items (order_id, position, variant_id, product_id,
              shop_id, sku, title, unit_price, quantity, line_total)
       SELECT o.id, pos, gen_random_uuid(), gen_random_uuid(),
              md5('shop' || (abs(hashtext(o.number) % $1) + pos) % $1)::uuid, 'PLAN-SKU-' || pos,
              'Plan product', 1000, 1, 1000
         FROM ${orderSchema}.orders o, generate_series(0, 1) AS pos`,
      [shops],
    );
    await db.query(
      `INSERT INTO ${orderSchema}.payments (order_id, provider, status, amount, paid_amount,
              currency, expires_at, paid_at)
       SELECT id, 'manual', CASE status WHEN 'paid' THEN 'paid' ELSE 'pending' END, total,
              CASE status WHEN 'paid' THEN total ELSE 0 END, currency, created_at + interval '1 day',
              CASE status WHEN 'paid' THEN created_at END
         FROM ${orderSchema}.orders`,
    );
    await db.query(
      `INSERT INTO ${orderSchema}.refunds (payment_id, order_id, amount, reason, origin, status,
              payout, created_at)
       SELECT id, order_id, 500, 'Plan refund', 'admin', 'succeeded', 'provider',
              paid_at + interval '1 hour'
         FROM ${orderSchema}.payments WHERE status = 'paid' AND hashtext(id::text) % 10 = 0`,
    );
    await db.query(`ANALYZE ${ORDER_TABLES.map((t) => `${orderSchema}.${t}`).join(', ')}`);
  }

  /**
   * The generic plan of `text` in `schema` (its copies first on the search path), as JSON; run
   * with `analyze` (literal arguments, with its actual rows), else with nulls and not run.
   */
  async function genericPlan(schema: string, text: string, analyze?: string[]): Promise<PlanNode> {
    const params = Math.max(0, ...[...text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`SET search_path = ${schema}, public`);
      await runner.query(`SET plan_cache_mode = force_generic_plan`);
      await runner.query(`PREPARE plan_check AS ${text}`);
      const args = params ? `(${(analyze ?? Array(params).fill('NULL')).join(', ')})` : '';
      const [row] = await runner.query(
        `EXPLAIN (FORMAT JSON, VERBOSE, ANALYZE ${!!analyze}) EXECUTE plan_check${args}`,
      );
      return row['QUERY PLAN'][0].Plan;
    } finally {
      // Only its own statement: the app's named statements on this pooled connection stay, as
      // the pg client takes them to be prepared there.
      await runner.query('DEALLOCATE plan_check').catch(() => undefined); // none if PREPARE failed
      await runner.query('RESET ALL');
      await runner.release();
    }
  }

  /** How `text`'s generic plan reads `schema`'s tables (the copies). */
  async function tableReads(schema: string, text: string): Promise<TableRead[]> {
    const plan = await genericPlan(schema, text);
    return nodesOf(plan)
      .filter((node) => node.Schema === schema && node['Relation Name'])
      .map((node) => ({
        table: node['Relation Name']!,
        node: node['Node Type'],
        index: node['Index Name'],
        filter: node.Filter,
      }));
  }

  /** The tables `text`'s generic plan reads whole (sequential scans) in `schema`. */
  async function seqScans(schema: string, text: string): Promise<string[]> {
    const reads = await tableReads(schema, text);
    return reads.filter((r) => r.node === 'Seq Scan').map((r) => r.table);
  }

  it('has the app plan every named statement generically (what the check below examines)', async () => {
    expect(await db.query('SHOW plan_cache_mode')).toEqual([
      { plan_cache_mode: 'force_generic_plan' },
    ]);
  });

  it('finds catalog rows by index in every hot read', async () => {
    const merchant = await createMerchant(app);
    const products = [];
    for (let i = 0; i < 3; i++) {
      products.push(await createProduct(app, merchant, { variants: [{ price: 500, stock: 9 }] }));
    }
    const [buyer] = await createBuyers(app, 1, { address: ADDRESS });
    const get = (url: string) => app.inject({ method: 'GET', url, headers: buyer.auth });
    // The routes whose statements are named: cart (add, read), account, catalog, checkout, orders.
    for (const p of products) {
      expect((await addToCart(app, buyer, p.variants[0].id)).statusCode).toBe(200);
    }
    for (const url of [
      '/api/v1/cart',
      '/api/v1/users/me',
      '/api/v1/products',
      '/api/v1/products?sort=price',
      '/api/v1/products?sort=rating&inStock=true',
      '/api/v1/products?q=tent&minPrice=100&maxPrice=90000',
      `/api/v1/products?shop=${merchant.shopSlug}&sort=-price`,
      `/api/v1/products/${products[0].slug}`,
      `/api/v1/products/${products[0].id}`,
    ]) {
      expect((await get(url)).statusCode).toBe(200);
    }
    // Checkout's statements (claim and snapshot, order, payment, stock), then the order list.
    const placed = await postCheckout(app, buyer, { paymentMethod: 'manual' });
    expect(placed.statusCode).toBe(201);
    expect((await get('/api/v1/orders')).statusCode).toBe(200);

    const texts = preparedStatementTexts().filter((t) =>
      CATALOG_TABLES.some((table) => new RegExp(`\\b${table}\\b`).test(t)),
    );
    // The cart's pricing and sellability reads, the listing, the product page and checkout's
    // snapshot and stock statements at least.
    expect(texts.length).toBeGreaterThanOrEqual(6);
    const scans: { schema: string; sql: string; tables: string[] }[] = [];
    for (const schema of schemas) {
      for (const text of texts) {
        const tables = await seqScans(schema, text);
        const sql = text.replace(/\s+/g, ' ').slice(0, 160);
        if (tables.length) scans.push({ schema, sql, tables });
      }
    }
    expect(scans).toEqual([]);
  });

  it('finds orders by index in every order list, on a large order book', async () => {
    const merchant = await createMerchant(app);
    const product = await createProduct(app, merchant, { variants: [{ price: 700, stock: 9 }] });
    const [buyer] = await createBuyers(app, 1, { address: ADDRESS });
    const admin = await createUser(app, 'admin');
    for (let i = 0; i < 2; i++) {
      expect((await addToCart(app, buyer, product.variants[0].id)).statusCode).toBe(200);
      expect((await postCheckout(app, buyer, { paymentMethod: 'manual' })).statusCode).toBe(201);
    }
    // Each list, then by a rare status (one in 20 of the book) and by one none has; each
    // first page and second page (a cursor adds a condition: the unfiltered list's serves all).
    const lists: [{ auth: { authorization: string } }, string, boolean][] = [
      [buyer, '/api/v1/orders', false],
      [admin, '/api/v1/admin/orders', true],
      [merchant, '/api/v1/merchant/orders', true],
    ];
    for (const [who, path, byStatus] of lists) {
      const get = (query: string) =>
        app.inject({ method: 'GET', url: `${path}?limit=1${query}`, headers: who.auth });
      const first = await get('');
      expect(first.statusCode).toBe(200);
      const cursor = `&cursor=${encodeURIComponent(first.json().nextCursor)}`;
      for (const status of byStatus ? ['', '&status=paid', '&status=refunded'] : ['']) {
        expect((await get(status)).statusCode).toBe(200);
        expect((await get(`${status}${cursor}`)).statusCode).toBe(200);
      }
    }

    const texts = preparedStatementTexts().filter((t) => /\bFROM orders o\b/.test(t));
    // The lists by buyer, all, and all in each of the two statuses: each with a cursor too. (A
    // shop's list is planned for its values each time: the check below.)
    expect(texts.length).toBeGreaterThanOrEqual(8);
    const found: { sql: string; reads: TableRead[] }[] = [];
    for (const text of texts) {
      const reads = await tableReads(orderSchema, text);
      // Read whole, or read by date and dropped by status: a list by a rare status read
      // (nearly) every order before.
      const wasteful = reads.filter(
        (r) =>
          (LARGE_ORDER_TABLES.includes(r.table) && r.node === 'Seq Scan') ||
          (r.table === 'orders' && /\bstatus\b/.test(r.filter ?? '')),
      );
      if (wasteful.length) {
        found.push({ sql: text.replace(/\s+/g, ' ').slice(-220), reads: wasteful });
      }
    }
    expect(found).toEqual([]);
  });

  /**
   * A DataSource as the app's (its connection settings: statements planned generically) on one
   * connection with `schema`'s tables first on the search path; auto_explain reports the plan
   * of each statement as run, a function's own statements included, with its actual rows, to
   * `plans`.
   */
  async function runAsTheApp(schema: string): Promise<{ source: DataSource; plans: PlanNode[] }> {
    const options = db.options as PostgresConnectionOptions;
    const extra = options.extra as { options: string };
    const source = new DataSource({
      ...options,
      extra: { ...extra, max: 1, options: `${extra.options} -c search_path=${schema},public` },
    });
    await source.initialize();
    const plans: PlanNode[] = [];
    try {
      const client = await (source.driver as PostgresDriver).master.connect();
      client.on('notice', (notice: { message: string }) => {
        const json = notice.message.indexOf('{');
        if (json >= 0) plans.push(JSON.parse(notice.message.slice(json)).Plan);
      });
      await client.query(`LOAD 'auto_explain'`);
      for (const setting of [
        'log_min_duration = 0',
        'log_analyze = on',
        'log_format = json',
        'log_level = notice',
        // The statements of functions too (the stock change's, in change_stock).
        'log_nested_statements = on',
      ]) {
        await client.query(`SET auto_explain.${setting}`);
      }
      client.release();
    } catch (error) {
      await source.destroy();
      throw error;
    }
    return { source, plans };
  }

  it('reads about a page of orders for every order list, run as the app runs it, on the book', async () => {
    const { source: book, plans } = await runAsTheApp(orderSchema);
    try {
      const orders = new OrdersRepository(book);
      const [{ buyer, largest }] = await book.query(
        `SELECT (SELECT user_id FROM orders LIMIT 1) AS buyer,
                (SELECT shop_id FROM order_items GROUP BY shop_id ORDER BY count(*) DESC LIMIT 1)
                  AS largest`,
      );
      const lists: Record<string, OrderListFilter> = {
        'a buyer': { userId: buyer },
        all: {},
        'all paid': { status: 'paid' },
        'all refunded (none)': { status: 'refunded' },
        'the largest shop': { shopId: largest },
        'the largest shop, paid': { shopId: largest, status: 'paid' },
        'a shop with no orders': { shopId: randomUUID() },
        'a shop with no orders, paid': { shopId: randomUUID(), status: 'paid' },
      };
      const read: Record<string, number> = {};
      for (const [label, filter] of Object.entries(lists)) {
        plans.length = 0;
        // The sixth run of a named statement as well: PostgreSQL may switch plans after five.
        for (let run = 0; run < 6; run++) await orders.pageViews(filter, undefined, 20);
        read[label] = Math.max(...plans.map((plan) => rowsRead(plan, 'orders')));
      }
      // A 21-order page: the orders found and those passed over to find them, never the book
      // (45,000 for a shop with no orders, all 2,250 paid ones for the admin's paid list,
      // before).
      expect(read['all']).toBeGreaterThanOrEqual(21);
      expect(Object.entries(read).filter(([, rows]) => rows > 1_000)).toEqual([]);
    } finally {
      await book.destroy();
    }
  });

  it.each(CATALOGS.map((catalog, i) => [catalog.products * catalog.variants, i]))(
    'takes stock reading only the variants it changes, run as the app runs it, on a catalog of %i variants',
    async (_size, i) => {
      const schema = schemas[i];
      // Movements go to a copy of their table (no foreign keys) beside the catalog's copy.
      await db.query(
        `CREATE TABLE ${schema}.stock_movements (LIKE public.stock_movements INCLUDING ALL)`,
      );
      const { source, plans } = await runAsTheApp(schema);
      try {
        const variants = new VariantsRepository(source);
        const [ids]: [{ id: string }[], number] = await source.query(
          `UPDATE product_variants SET stock = 100
            WHERE id IN (SELECT id FROM product_variants ORDER BY id LIMIT 2) RETURNING id`,
        );
        const net = new Map(ids.map(({ id }) => [id, -1]));
        const movements = ids.map(({ id }) => ({
          variantId: id,
          delta: -1,
          reason: 'adjustment' as const,
          actorId: null,
          orderId: null,
          note: "a merchant's note, \\ and all",
        }));
        let read = 0;
        // Six runs, as for a named statement: PostgreSQL may switch plans after five.
        for (let run = 0; run < 6; run++) {
          plans.length = 0;
          const rows = await source.transaction((tx) => variants.changeStock(tx, net, movements));
          expect(rows.map((r) => r.after)).toEqual([99 - run, 99 - run]);
          read = Math.max(read, ...plans.map((plan) => rowsRead(plan, 'product_variants')));
        }
        // One statement, prepared once on the connection and bound for every change.
        const preparedHere = await source.query(
          `SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement ~ 'change_stock'`,
        );
        expect(preparedHere).toEqual([{ n: 1 }]);
        const notes = await source.query(`SELECT DISTINCT note FROM stock_movements`);
        expect(notes).toEqual([{ note: movements[0].note }]);
        // Each statement reads a few rows (change_stock's lock and update of one variant),
        // never the catalog (the generic plan forced on the app's connections read the 720
        // variants twice, in session 18).
        expect(read).toBeGreaterThanOrEqual(2);
        expect(read).toBeLessThanOrEqual(10);
      } finally {
        await source.destroy();
      }
    },
  );

  it('finds overdue outbox rows without reading the settled ones, on a large outbox', async () => {
    // 45,500 rows of the past day, all written unsettled and handed over, as the relay does;
    // all but the newest 500 then settled (the 500: handed over 10 minutes ago, their worker
    // died, say). Every row passed through the index of unsettled rows, as in production.
    const schema = `plans_${run}_outbox`;
    await db.query(`CREATE SCHEMA ${schema}`);
    try {
      await db.query(`CREATE TABLE ${schema}.outbox (LIKE public.outbox INCLUDING ALL)`);
      await db.query(
        `INSERT INTO ${schema}.outbox (queue, name, job_id, payload, created_at, relayed_at)
         SELECT 'mail', 'send', 'plan-' || i, '{}', t, t
           FROM generate_series(1, $1::int) AS i,
                LATERAL (SELECT least(now() - interval '1 day' + i * interval '1 s',
                                      now() - interval '10 minutes') AS t) at`,
        [45_500],
      );
      await db.query(
        `UPDATE ${schema}.outbox SET settled_at = relayed_at + interval '1 s'
          WHERE id <= (SELECT min(id) + $1 - 1 FROM ${schema}.outbox)`,
        [45_000],
      );
      await db.query(`VACUUM ANALYZE ${schema}.outbox`);
      // A batch of 100, overdue after 5 minutes, of the queues the relay serves.
      const plan = await genericPlan(schema, OVERDUE_ROWS_SQL, [
        '100',
        '300000',
        `'{${QUEUE_NAMES.join(',')}}'`,
      ]);
      expect(rowsRead(plan, 'outbox')).toBeGreaterThanOrEqual(100);
      expect(rowsRead(plan, 'outbox')).toBeLessThanOrEqual(1_000);
    } finally {
      await db.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });
});

/**
 * The rows of `table` a plan run with ANALYZE read, in all its nodes and loops: those a node
 * passed on and those its filter dropped.
 */
function rowsRead(plan: PlanNode, table: string): number {
  return nodesOf(plan)
    .filter((node) => node['Relation Name'] === table)
    .reduce(
      (sum, node) =>
        sum +
        (node['Actual Rows']! + (node['Rows Removed by Filter'] ?? 0)) * node['Actual Loops']!,
      0,
    );
}

/** Every node of `plan`, depth first. */
function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}
