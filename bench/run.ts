import { execSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type autocannon from 'autocannon';
import { multipartFile } from '../test/support/multipart';
import { StripeTestServer } from '../test/support/stripe-server';
import { randomBytes } from 'node:crypto';
import { loadDatabaseConfig } from '../src/config/database.config';
import { loadRedisConfig } from '../src/config/redis.config';
import { ensureDatabase, runMigrations } from '../src/database/ensure-database';
import { DEMO_ACCOUNTS } from '../src/modules/users/demo-accounts';
import {
  BenchResult,
  cpuPerRequest,
  cpuSnapshot,
  cpuUsed,
  load,
  printResults,
  requestsServed,
  ROOT,
  startBuiltApi,
  startProcess,
  vacuumUnlessAutovacuum,
} from './harness';
import { ensureBenchOrders } from './orders-data';
import { mailScenario } from './mail-scenario';
import { orderToMail } from './order-to-mail';
import {
  cartAdd,
  cartAddGuest,
  cartRead,
  checkout,
  checkoutHotSku,
  checkoutStripe,
  OrdersBenchContext,
  signedInFloor,
} from './orders';
import { invoiceScenarios } from './invoices';
import { soak } from './soak';
import { BENCH_MANUAL_WEBHOOK_SECRET, webhookEvents } from './payments';

/**
 * `npm run bench [-- scenario ...]`: builds the API, starts it as in production against the
 * `shop_bench` database, and loads it with autocannon at 32 connections from this machine.
 */
/** What scenarios that prepare data need besides the URL. */
type BenchContext = OrdersBenchContext & {
  env: Record<string, string>;
  apiRssMb(): number;
};

const SCENARIOS: Record<
  string,
  (baseUrl: string, ctx: BenchContext) => Promise<BenchResult | BenchResult[]>
> = {
  health: (baseUrl) => load('GET /health', { url: `${baseUrl}/health` }),
  ready: (baseUrl) => load('GET /health/ready', { url: `${baseUrl}/health/ready` }),
  login: async (baseUrl) => {
    const account = { email: 'bench-login@shop.local', password: 'correct horse battery staple' };
    // Created through the API on the first run; a 409 on later runs is fine.
    const created = await fetch(`${baseUrl}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...account, name: 'Bench Login' }),
    });
    if (created.status !== 201 && created.status !== 409) {
      throw new Error(`could not create the bench account: ${created.status}`);
    }
    return load('POST /auth/login (argon2id verify)', {
      url: `${baseUrl}/api/v1/auth/login`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(account),
    });
  },
  /** A noisy 1024 × 768 JPEG photo as the signed-in customer's avatar, again and again. */
  avatar: async (baseUrl) => {
    // BENCH_AVATAR_FILE: a given photo instead (to compare builds with the same bytes).
    const given = process.env.BENCH_AVATAR_FILE;
    const photo = given
      ? readFileSync(given)
      : await sharp({
          create: {
            width: 1024,
            height: 768,
            channels: 3,
            background: '#808080',
            noise: { type: 'gaussian', mean: 128, sigma: 40 },
          },
        })
          .jpeg({ quality: 80 })
          .toBuffer();
    const { payload, headers } = multipartFile(photo, 'photo.jpg', 'image/jpeg');
    return load(`PUT /users/me/avatar (${Math.round(photo.length / 1024)} kB JPEG)`, {
      url: `${baseUrl}/api/v1/users/me/avatar`,
      method: 'PUT',
      headers: { ...headers, authorization: `Bearer ${await signIn(baseUrl, DEMO_CUSTOMER)}` },
      body: payload,
    });
  },
  products: (baseUrl) =>
    load('GET /products?limit=20', { url: `${baseUrl}/api/v1/products?limit=20` }),
  /** The listing as a browser or CDN asks for it: brotli, sent compressed once per entry. */
  'products-br': (baseUrl) =>
    load('GET /products?limit=20, Accept-Encoding of a browser (brotli)', {
      url: `${baseUrl}/api/v1/products?limit=20`,
      headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
    }),
  /** A client (or CDN) revalidating the listing it holds: 304, no body. */
  'products-304': async (baseUrl) => {
    const url = `${baseUrl}/api/v1/products?limit=20`;
    // The uncompressed form's tag (fetch would ask for a compressed one), as autocannon asks.
    const etag = (await fetch(url, { headers: { 'accept-encoding': 'identity' } })).headers.get(
      'etag',
    );
    if (!etag) throw new Error('GET /products answered without an ETag');
    return load('GET /products?limit=20, If-None-Match (304)', {
      url,
      headers: { 'if-none-match': etag },
      expectedStatus: 304,
    });
  },
  'products-search': async (baseUrl) =>
    load('GET /products?limit=20&q=jacket&category=clothing', {
      url: `${baseUrl}/api/v1/products?limit=20&q=jacket&category=${await categoryId(baseUrl, 'clothing')}`,
    }),
  /** Uncached listings that no two requests in flight share (`distinctLimits`). */
  'products-distinct': (baseUrl) =>
    load('GET /products?limit=1…100, each request in flight its own', {
      url: `${baseUrl}/api/v1/products`,
      requests: distinctLimits('/api/v1/products'),
    }),
  'product-slug': async (baseUrl) => {
    const res = await fetch(`${baseUrl}/api/v1/products?limit=1`);
    const { items } = (await res.json()) as { items: { slug: string }[] };
    return load('GET /products/:slug', { url: `${baseUrl}/api/v1/products/${items[0].slug}` });
  },
  me: (_baseUrl, ctx) => signedInFloor(ctx),
  orders: async (baseUrl) => {
    await ensureBenchOrders(benchDatabaseUrl(), DEMO_CUSTOMER.email, 300);
    return load('GET /orders?limit=20 (2 lines each)', {
      url: `${baseUrl}/api/v1/orders?limit=20`,
      headers: { authorization: `Bearer ${await signIn(baseUrl, DEMO_CUSTOMER)}` },
    });
  },
  'admin-orders': async (baseUrl) => {
    await ensureBenchOrders(benchDatabaseUrl(), DEMO_CUSTOMER.email, 300);
    return load('GET /admin/orders?status=paid&limit=20', {
      url: `${baseUrl}/api/v1/admin/orders?status=paid&limit=20`,
      headers: { authorization: `Bearer ${await signIn(baseUrl, DEMO_ADMIN)}` },
    });
  },
  mail: (baseUrl, ctx) => mailScenario(baseUrl, ctx.env),
  // payment webhook → paid → invoice → confirmation e-mail accepted by SMTP (order-to-mail.ts)
  'order-to-mail': (_baseUrl, ctx) => orderToMail(ctx),
  // signed payment webhooks, each paying an order (bench/payments.ts)
  webhooks: (_baseUrl, ctx) => webhookEvents(ctx),
  /** The framework's ceiling: bare Fastify sending fixed bytes (bench/static-server.ts). */
  'baseline-static': (baseUrl) =>
    withBaseline(
      baseUrl,
      (url) => load('baseline-static: bare Fastify, bytes from memory', { url: `${url}/health` }),
      'bench/static-server.ts',
    ),
  baseline: (baseUrl) =>
    withBaseline(baseUrl, (url) =>
      load('baseline: bare Fastify + pg, /products?limit=20', { url: `${url}/products?limit=20` }),
    ),
  'baseline-search': (baseUrl) =>
    withBaseline(baseUrl, async (url) =>
      load('baseline: bare Fastify + pg, q=jacket&category=clothing', {
        url: `${url}/products?limit=20&q=jacket&category=${await categoryId(baseUrl, 'clothing')}`,
      }),
    ),
  'baseline-distinct': (baseUrl) =>
    withBaseline(baseUrl, (url) =>
      load('baseline: bare Fastify + pg, /products?limit=1…100', {
        url: `${url}/products`,
        requests: distinctLimits('/products'),
      }),
    ),
  // cart and checkout (bench/orders.ts)
  'cart-add': (_baseUrl, ctx) => cartAdd(ctx),
  'cart-add-guest': (_baseUrl, ctx) => cartAddGuest(ctx),
  'cart-read': (_baseUrl, ctx) => cartRead(ctx),
  checkout: (_baseUrl, ctx) => checkout(ctx),
  // the same paying by card: a PaymentIntent at the loopback Stripe per checkout
  'checkout-stripe': (_baseUrl, ctx) => checkoutStripe(ctx),
  'checkout-hot-sku': (_baseUrl, ctx) => checkoutHotSku(ctx),
  // PDF rendering alone, then one worker process taking BENCH_INVOICES invoice jobs.
  invoices: () => invoiceScenarios(benchEnv()),
  // BENCH_SOAK_SECONDS (600) of mixed traffic, the API's RSS sampled every 10 s (bench/soak.ts).
  soak: (_baseUrl, ctx) => soak(ctx),
};
/** Run only when named: `npm run bench` alone leaves them out. */
const ON_REQUEST = new Set(['soak']);

/**
 * Requests asking `path?limit=1`, `2`, … `100` in turn across all connections: no two of the
 * 32 requests in flight ask the same URL, so concurrent reads of one URL cannot share a load
 * (CatalogCache's SharedLoads); each pays its own query, as under traffic spread over many
 * pages.
 */
function distinctLimits(path: string): autocannon.Request[] {
  let sent = 0;
  return [
    { setupRequest: (request) => ({ ...request, path: `${path}?limit=${(sent++ % 100) + 1}` }) },
  ];
}

const demo = (role: string) => DEMO_ACCOUNTS.find((a) => a.role === role)!;
const DEMO_CUSTOMER = demo('customer');
const DEMO_ADMIN = demo('admin');

async function signIn(baseUrl: string, account: { email: string; password: string }) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  if (res.status !== 200) throw new Error(`bench sign-in of ${account.email}: ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function categoryId(baseUrl: string, slug: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/categories`);
  const tree = (await res.json()) as { id: string; slug: string }[];
  const found = tree.find((c) => c.slug === slug);
  if (!found) throw new Error(`No category ${slug}: is the bench database seeded?`);
  return found.id;
}

/** Runs `fn` against a baseline server (by default bench/baseline-server.ts), its own process. */
async function withBaseline(
  _apiUrl: string,
  fn: (url: string) => Promise<BenchResult>,
  script = 'bench/baseline-server.ts',
): Promise<BenchResult> {
  const port = Number(process.env.BENCH_BASELINE_PORT ?? 3998);
  const baseline = await startProcess(
    ['-r', 'ts-node/register/transpile-only', script],
    { DATABASE_URL: benchDatabaseUrl(), BASELINE_PORT: String(port) },
    port,
    '/health',
  );
  try {
    // Its own CPU per request and its PostgreSQL backends', as the API's are reported (its
    // backends end with it, before the API's figures are read).
    const before = await cpuSnapshot(benchDatabaseUrl(), baseline.process.pid!);
    const result = await fn(baseline.baseUrl);
    const cpu = cpuUsed(before, await cpuSnapshot(benchDatabaseUrl(), baseline.process.pid!));
    process.stdout.write(
      `${result.scenario}: ${cpuPerRequest('its own', cpu, requestsServed([result]))}\n`,
    );
    return result;
  } finally {
    await baseline.stop();
  }
}

const JWT_SECRET = randomBytes(32).toString('hex');

/** The Node options the production image runs with (the Dockerfile's `ENV NODE_OPTIONS`). */
function productionNodeOptions(): string {
  const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
  const options = /^ENV NODE_OPTIONS="([^"]*)"$/m.exec(dockerfile)?.[1];
  if (options === undefined) throw new Error('The Dockerfile sets no NODE_OPTIONS');
  return options;
}

/** The environment of every process the bench starts (API, worker). */
function benchEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    NODE_OPTIONS: productionNodeOptions(),
    DATABASE_URL: benchDatabaseUrl(),
    REDIS_PREFIX: process.env.BENCH_REDIS_PREFIX ?? 'shopbench',
    JWT_ACCESS_SECRET: JWT_SECRET,
    // The default log level, as production runs: one request line per request is measured.
    // BENCH_LOG_LEVEL sets another, to compare with runs of older code at `warn`.
    ...(process.env.BENCH_LOG_LEVEL ? { LOG_LEVEL: process.env.BENCH_LOG_LEVEL } : {}),
    RUN_WORKERS: 'false',
    // Any free port unless told: two bench runs side by side must not share the metrics port.
    METRICS_PORT: process.env.BENCH_METRICS_PORT ?? '0',
    AUTH_RATE_LIMIT: '1000000',
    PAYMENT_MANUAL_WEBHOOK_SECRET: BENCH_MANUAL_WEBHOOK_SECRET,
  };
}

/**
 * The loopback Stripe API of the tests (test/support/stripe-server.ts) in this process, over
 * HTTPS with a throw-away self-signed certificate (openssl): the API runs in production mode,
 * which talks to Stripe over https only. Returns the API's extra environment.
 */
async function startLocalStripe(): Promise<{
  server: StripeTestServer;
  env: Record<string, string>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-stripe-'));
  execSync(
    'openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 ' +
      '-addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem',
    { cwd: dir, stdio: 'ignore' },
  );
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const server = await StripeTestServer.start({ key: read('key.pem'), cert: read('cert.pem') });
  return {
    server,
    env: {
      ...server.env,
      PAYMENT_PROVIDERS: 'manual,stripe',
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
    },
  };
}

function benchDatabaseUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/shop_bench';
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : Object.keys(SCENARIOS).filter((n) => !ON_REQUEST.has(n));
  const unknown = names.filter((n) => !SCENARIOS[n]);
  if (unknown.length) throw new Error(`Unknown scenario(s): ${unknown.join(', ')}`);

  const stripe = names.includes('checkout-stripe') ? await startLocalStripe() : undefined;
  const env = { ...benchEnv(), ...stripe?.env };
  const database = loadDatabaseConfig({ DATABASE_URL: env.DATABASE_URL });
  await ensureDatabase(database);
  await runMigrations(database);
  // BENCH_NO_BUILD=1 reuses dist/ as it is (repeated runs of unchanged code).
  if (process.env.BENCH_NO_BUILD !== '1')
    execSync('npm run build', { cwd: ROOT, stdio: 'inherit' });
  // The demo catalog (the same seed as `npm run seed`), written once into an empty catalog.
  execSync(`${JSON.stringify(process.execPath)} dist/cli.js seed`, {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env, NODE_ENV: 'development' },
  });

  const api = await startBuiltApi(env, Number(process.env.BENCH_PORT ?? 3999));
  const results: BenchResult[] = [];
  const failed: string[] = [];
  try {
    process.stdout.write(`API ready in ${api.startupMs} ms, RSS ${api.rssMb()} MB\n`);
    for (const name of names) {
      const vacuumed = await vacuumUnlessAutovacuum(env.DATABASE_URL);
      process.stdout.write(`running ${name}${vacuumed ? ' (database vacuumed first)' : ''}...\n`);
      let cpuBefore = await cpuSnapshot(env.DATABASE_URL, api.process.pid!);
      let result: BenchResult | BenchResult[];
      try {
        result = await SCENARIOS[name](api.baseUrl, {
          baseUrl: api.baseUrl,
          databaseUrl: env.DATABASE_URL,
          redisUrl: loadRedisConfig().url,
          redisPrefix: env.REDIS_PREFIX,
          jwtSecret: env.JWT_ACCESS_SECRET,
          env,
          apiRssMb: () => api.rssMb(),
          measureFromHere: async () => {
            cpuBefore = await cpuSnapshot(env.DATABASE_URL, api.process.pid!);
          },
        });
      } catch (error) {
        // One broken scenario must not cost the figures of the others: report it, go on.
        failed.push(name);
        process.stderr.write(`${name} failed: ${(error as Error).stack ?? String(error)}\n`);
        continue;
      }
      results.push(...[result].flat());
      // Per request: the API's CPU, the CPU of the PostgreSQL backends of the bench database
      // (the API's pool, plus what the scenario's own connections did while preparing data),
      // and the Redis server's CPU and commands (the API's, and the scenario's own).
      const cpu = cpuUsed(cpuBefore, await cpuSnapshot(env.DATABASE_URL, api.process.pid!));
      const served = requestsServed([result].flat());
      if (served > 0) {
        process.stdout.write(`${name}: ${cpuPerRequest('API', cpu, served)}\n`);
      }
    }
    process.stdout.write(`API RSS after the run: ${api.rssMb()} MB\n`);
  } finally {
    await api.stop();
    await stripe?.server.close();
    printResults(results);
  }
  if (failed.length) throw new Error(`Scenario(s) failed: ${failed.join(', ')}`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
