import Redis from 'ioredis';
import { sign } from 'jsonwebtoken';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { LIVE_SESSIONS_SQL } from '../test/support/buyers';
import { Client } from 'pg';
import { BenchResult, latencyPercentiles, load, LoadOptions } from './harness';

/**
 * Cart and checkout scenarios. Buyers are written straight into the bench database (one
 * INSERT, a placeholder password hash) with access tokens signed by the API's secret, and their
 * carts straight into Redis, so that preparing thousands of checkouts takes a second, not the
 * minutes argon2 would. Only the measured requests go through HTTP.
 */
export interface OrdersBenchContext {
  baseUrl: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  jwtSecret: string;
  /** Counts the API's CPU per request from now on: the scenario's preparation is left out. */
  measureFromHere(): Promise<void>;
}

const ADDRESS = { line1: '1 Bench Road', city: 'Berlin', postalCode: '10115', country: 'DE' };
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const seconds = () => Number(process.env.BENCH_DURATION ?? 10);

interface Buyer {
  id: string;
  authorization: string;
}

export async function withDb<T>(
  ctx: OrdersBenchContext,
  fn: (db: Client) => Promise<T>,
): Promise<T> {
  const db = new Client({ connectionString: ctx.databaseUrl });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

export async function createBuyers(
  ctx: OrdersBenchContext,
  db: Client,
  count: number,
): Promise<Buyer[]> {
  const batch = randomBytes(4).toString('hex');
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (email, password_hash, name, roles, email_verified_at, address)
     SELECT 'bench-' || $1 || '-' || i || '@shop.local', '!no-login', 'Bench buyer ' || i,
            ARRAY['customer'], now(), $2::jsonb
       FROM generate_series(1, $3::int) AS i
     RETURNING id`,
    [batch, JSON.stringify(ADDRESS), count],
  );
  // A live session (refresh-token family) each: access tokens work only while theirs is live.
  const sessions = await db.query<{ user_id: string; family_id: string }>(LIVE_SESSIONS_SQL, [
    rows.map((r) => r.id),
  ]);
  const sid = new Map(sessions.rows.map((s) => [s.user_id, s.family_id]));
  return rows.map((r) => ({
    id: r.id,
    authorization: `Bearer ${sign({ sub: r.id, roles: ['customer'], sid: sid.get(r.id) }, ctx.jwtSecret, { algorithm: 'HS256', expiresIn: 3600 })}`,
  }));
}

/** `count` published variants of the seeded catalog, topped up to `stock` (logged as adjustments). */
export async function stockedVariants(db: Client, count: number, stock: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `WITH picked AS (
       SELECT v.id, v.stock FROM product_variants v JOIN products p ON p.id = v.product_id
        WHERE p.status = 'published' AND NOT v.archived ORDER BY v.sku LIMIT $1
     ), topped AS (
       UPDATE product_variants v SET stock = $2, updated_at = now()
         FROM picked WHERE v.id = picked.id AND picked.stock < $2
       RETURNING v.id, $2 - picked.stock AS delta
     ), logged AS (
       INSERT INTO stock_movements (variant_id, delta, reason, note, resulting_stock)
       SELECT id, delta, 'adjustment', 'bench top-up', $2 FROM topped
     )
     SELECT id FROM picked`,
    [count, stock],
  );
  if (rows.length < count) throw new Error('The bench catalog has too few variants: seed it.');
  return rows.map((r) => r.id);
}

export async function fillCarts(
  ctx: OrdersBenchContext,
  buyers: Buyer[],
  lines: (i: number) => [string, number][],
): Promise<void> {
  const redis = new Redis(ctx.redisUrl, { keyPrefix: `${ctx.redisPrefix}:` });
  try {
    const pipeline = redis.pipeline();
    buyers.forEach((b, i) => {
      const key = `cart:user:${b.id}`;
      pipeline.del(key);
      for (const [variantId, quantity] of lines(i)) pipeline.hset(key, variantId, quantity);
      pipeline.expire(key, 3600);
    });
    await pipeline.exec();
  } finally {
    redis.disconnect();
  }
}

/** Gives each autocannon connection its own buyer (and so its own cart). */
function perConnection(buyers: Buyer[]) {
  let next = 0;
  return (client: { setHeaders(h: Record<string, string>): void }) =>
    client.setHeaders({
      'content-type': 'application/json',
      authorization: buyers[next++ % buyers.length].authorization,
    });
}

/** `POST /cart/items` of one unit, cycling through `variants`; `who` sets each connection up. */
function loadCartAdds(
  ctx: OrdersBenchContext,
  scenario: string,
  variants: string[],
  who: Pick<LoadOptions, 'setupClient' | 'headers'>,
): Promise<BenchResult> {
  let n = 0;
  return load(scenario, {
    url: `${ctx.baseUrl}/api/v1/cart/items`,
    method: 'POST',
    connections: CONNECTIONS,
    durationSeconds: seconds(),
    ...who,
    requests: [
      {
        method: 'POST',
        // The lines cap at CART_MAX_LINE_QUANTITY: every add still succeeds.
        setupRequest: (req) => ({
          ...req,
          body: JSON.stringify({ variantId: variants[n++ % variants.length], quantity: 1 }),
        }),
      },
    ],
  });
}

export async function cartAdd(ctx: OrdersBenchContext): Promise<BenchResult> {
  const { buyers, variants } = await withDb(ctx, async (db) => ({
    buyers: await createBuyers(ctx, db, CONNECTIONS),
    variants: await stockedVariants(db, 3, 1_000_000),
  }));
  return loadCartAdds(ctx, 'POST /cart/items (signed in, own cart)', variants, {
    setupClient: perConnection(buyers),
  });
}

/** Every add starts a new guest cart (no `X-Cart-Id`): create + add + TTL + the priced answer. */
export async function cartAddGuest(ctx: OrdersBenchContext): Promise<BenchResult> {
  const variants = await withDb(ctx, (db) => stockedVariants(db, 3, 1_000_000));
  return loadCartAdds(ctx, 'POST /cart/items (new guest cart)', variants, {
    headers: { 'content-type': 'application/json' },
  });
}

/**
 * The floor of any signed-in route (token check, user and session re-read, a small JSON
 * answer), each connection its own user.
 */
export async function signedInFloor(ctx: OrdersBenchContext): Promise<BenchResult> {
  const buyers = await withDb(ctx, (db) => createBuyers(ctx, db, CONNECTIONS));
  return load('GET /users/me (signed-in floor)', {
    url: `${ctx.baseUrl}/api/v1/users/me`,
    connections: CONNECTIONS,
    durationSeconds: seconds(),
    setupClient: perConnection(buyers),
  });
}

export async function cartRead(ctx: OrdersBenchContext): Promise<BenchResult> {
  const { buyers, variants } = await withDb(ctx, async (db) => ({
    buyers: await createBuyers(ctx, db, CONNECTIONS),
    variants: await stockedVariants(db, 3, 1_000_000),
  }));
  await fillCarts(ctx, buyers, () => variants.map((v) => [v, 2]));
  return load('GET /cart (3 lines, priced from PostgreSQL)', {
    url: `${ctx.baseUrl}/api/v1/cart`,
    connections: CONNECTIONS,
    durationSeconds: seconds(),
    setupClient: perConnection(buyers),
  });
}

/** Seconds of checkouts before the measured ones, as `load` warms up autocannon's runs. */
const WARMUP_SECONDS = 2;

/** Up to ~1,200 checkouts/s for the run's duration; a virtual user stops when buyers run out. */
const buyersFor = () => Math.max(600, Math.ceil((seconds() + WARMUP_SECONDS) * 1200));

/** Variants the `checkout` scenario spreads its carts over. */
const SPREAD = 200;

export async function checkout(ctx: OrdersBenchContext): Promise<BenchResult> {
  return runCheckouts(
    ctx,
    'POST /checkout (own cart, 2 of 200 variants, ample stock)',
    await spreadCarts(ctx),
  );
}

/** A buyer each, with a cart of two different variants spread over the catalog as real orders are. */
async function spreadCarts(ctx: OrdersBenchContext): Promise<Buyer[]> {
  const { buyers, variants } = await withDb(ctx, async (db) => ({
    buyers: await createBuyers(ctx, db, buyersFor()),
    variants: await stockedVariants(db, SPREAD, 1_000_000),
  }));
  await fillCarts(ctx, buyers, (i) => [
    [variants[i % SPREAD], 1],
    [variants[(i * 7 + 3) % SPREAD], 2],
  ]);
  return buyers;
}

/**
 * `checkout` paying by card: each checkout also creates a PaymentIntent at the loopback Stripe
 * (HTTPS, in the bench process) after its commit. Compare with `checkout` (manual, whose start
 * calls nothing) of the same run.
 */
export async function checkoutStripe(ctx: OrdersBenchContext): Promise<BenchResult> {
  return runCheckouts(
    ctx,
    'POST /checkout paying by stripe-local (own cart, 2 of 200 variants)',
    await spreadCarts(ctx),
    { paymentMethod: 'stripe' },
  );
}

export async function checkoutHotSku(ctx: OrdersBenchContext): Promise<BenchResult> {
  const stock = 1_000_000;
  const { buyers, variant } = await withDb(ctx, async (db) => ({
    buyers: await createBuyers(ctx, db, buyersFor()),
    variant: (await stockedVariants(db, 1, stock))[0],
  }));
  const before = await withDb(ctx, (db) => stockOf(db, variant));
  await fillCarts(ctx, buyers, () => [[variant, 1]]);
  const result = await runCheckouts(ctx, 'POST /checkout (all buyers, one variant)', buyers);

  // No oversell, no lost unit: stock taken = units ordered = checkouts answered 201.
  const check = await withDb(ctx, async (db) => {
    const after = await stockOf(db, variant);
    const { rows } = await db.query<{ units: number; orders: number }>(
      `SELECT coalesce(sum(i.quantity), 0)::int AS units, count(DISTINCT o.id)::int AS orders
         FROM orders o JOIN order_items i ON i.order_id = o.id
        WHERE o.user_id = ANY($1::uuid[]) AND i.variant_id = $2`,
      [buyers.map((b) => b.id), variant],
    );
    return { taken: before - after, ...rows[0] };
  });
  const consistent =
    check.taken === check.units && check.units === check.orders && check.orders === result.placed;
  process.stdout.write(
    `checkout-hot-sku: stock ${before} → ${before - check.taken}, units ordered ${check.units}, ` +
      `orders ${check.orders}, 201 answers ${result.placed}: ${consistent ? 'consistent' : 'MISMATCH'}\n`,
  );
  if (!consistent) throw new Error('checkout-hot-sku: stock and orders do not add up');
  return result;
}

async function stockOf(db: Client, variantId: string): Promise<number> {
  const { rows } = await db.query<{ stock: number }>(
    `SELECT stock FROM product_variants WHERE id = $1`,
    [variantId],
  );
  return rows[0].stock;
}

/**
 * POSTs `body` to `url` over CONNECTIONS kept-alive sockets with node:http (fetch, undici, cost
 * the load generator 0.6 ms of CPU per checkout, on the cores the API and PostgreSQL share);
 * `close` ends the sockets.
 */
function poster(url: string, body: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const length = String(Buffer.byteLength(body));
  const post = (headers: Record<string, string>) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', agent, headers: { ...headers, 'content-length': length } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/**
 * CONNECTIONS virtual users each take the next prepared buyer and check out (a fresh
 * Idempotency-Key each) until the time is up or the buyers run out. The first WARMUP_SECONDS
 * are not timed: without them the first scenario of a run carried the API's cold start (its
 * pool opening connections, first plans) in its tail (p99 979 ms first, 361 ms second, same
 * build), nor counted in the CPU per order. `placed` counts every 201, warm-up included, for
 * the stock checks.
 */
async function runCheckouts(
  ctx: OrdersBenchContext,
  scenario: string,
  buyers: Buyer[],
  checkoutBody: { paymentMethod?: string } = {},
): Promise<BenchResult & { placed: number }> {
  const { post, close } = poster(`${ctx.baseUrl}/api/v1/checkout`, JSON.stringify(checkoutBody));
  let next = 0;
  /** The first answer of each status other than 201, for the report. */
  const refused = new Map<number, string>();
  const phase = async (durationSeconds: number) => {
    const tally = { latencies: [] as number[], placed: 0, non2xx: 0, errors: 0 };
    const deadline = performance.now() + durationSeconds * 1000;
    const worker = async () => {
      while (performance.now() < deadline && next < buyers.length) {
        const buyer = buyers[next++];
        const t0 = performance.now();
        try {
          const res = await post({
            'content-type': 'application/json',
            authorization: buyer.authorization,
            'idempotency-key': randomUUID(),
          });
          tally.latencies.push(performance.now() - t0);
          if (res.status === 201) tally.placed++;
          else {
            tally.non2xx++;
            if (!refused.has(res.status)) refused.set(res.status, res.text.slice(0, 300));
          }
        } catch {
          tally.errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    return tally;
  };
  const warm = await phase(WARMUP_SECONDS);
  await ctx.measureFromHere();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const measured = await phase(seconds());
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  close();
  const cpuMs = (cpu.user + cpu.system) / 1000 / Math.max(1, measured.latencies.length);
  process.stdout.write(`${scenario}: load generator CPU ${cpuMs.toFixed(3)} ms/request\n`);
  for (const [status, answer] of refused) {
    process.stdout.write(`${scenario}: answered ${status}, e.g. ${answer}\n`);
  }
  if (next >= buyers.length) {
    process.stdout.write(`${scenario}: all ${buyers.length} prepared buyers used before the end\n`);
  }
  return {
    scenario: `${scenario} [orders/s]`,
    connections: CONNECTIONS,
    durationSeconds: Math.round(elapsed * 10) / 10,
    requestsPerSecond: Math.round(measured.placed / elapsed),
    ...latencyPercentiles(measured.latencies),
    non2xx: warm.non2xx + measured.non2xx,
    errors: warm.errors + measured.errors,
    placed: warm.placed + measured.placed,
  };
}
