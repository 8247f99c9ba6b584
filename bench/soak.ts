import { randomBytes, randomUUID } from 'node:crypto';
import { BenchResult, latencyPercentiles } from './harness';
import { createBuyers, OrdersBenchContext, stockedVariants, withDb } from './orders';

/** What the soak needs besides the orders context: the API's resident set size, now. */
export interface SoakContext extends OrdersBenchContext {
  apiRssMb(): number;
}

const SAMPLE_EVERY_MS = 10_000;
/** One shopper's visit: 48 catalog reads, 2 adds to cart, 1 checkout (50:1 browse to buy). */
const BROWSES_PER_ORDER = 48;
const SEARCH_WORDS = ['jacket', 'shirt', 'mug', 'lamp', 'boots', 'wool', 'cotton', 'desk'];

/**
 * `npm run bench -- soak`: BENCH_SOAK_SECONDS (600) of mixed traffic from BENCH_CONNECTIONS
 * (32) shoppers, each visit 48 catalog reads (listings, searches, a tenth of them with a word
 * never seen before, so that caches keyed by query meet new keys all the time; product pages),
 * two adds to the cart and a checkout. The API's RSS is sampled every 10 s; the result is
 * the max/min ratio of the samples taken after BENCH_SOAK_WARMUP_SECONDS (60: the caches fill
 * and V8 grows its heap to the load's working set first).
 */
export async function soak(ctx: SoakContext): Promise<BenchResult> {
  const seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
  const warmup = Number(process.env.BENCH_SOAK_WARMUP_SECONDS ?? 60);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const { buyers, variants } = await withDb(ctx, async (db) => ({
    buyers: await createBuyers(ctx, db, connections),
    variants: await stockedVariants(db, 200, 1_000_000),
  }));
  const slugs = await productSlugs(ctx.baseUrl);
  const api = `${ctx.baseUrl}/api/v1`;

  const samples: { at: number; rssMb: number }[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const sample = () =>
    samples.push({ at: Math.round((performance.now() - started) / 1000), rssMb: ctx.apiRssMb() });
  sample();
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);

  const latencies: number[] = [];
  let requests = 0;
  let non2xx = 0;
  let errors = 0;
  let orders = 0;
  const call = async (url: string, init: RequestInit = {}, ok = 200): Promise<boolean> => {
    const t0 = performance.now();
    try {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      requests++;
      if (res.status === ok) return true;
      non2xx++;
    } catch {
      errors++;
    }
    return false;
  };
  const browse = (i: number) => {
    if (i % 10 === 0) {
      const word = `${SEARCH_WORDS[i % SEARCH_WORDS.length]}${randomBytes(3).toString('hex')}`;
      return call(`${api}/products?limit=20&q=${word}`);
    }
    if (i % 3 === 0) {
      return call(`${api}/products?limit=20&q=${SEARCH_WORDS[i % SEARCH_WORDS.length]}`);
    }
    if (i % 3 === 1) return call(`${api}/products?limit=${10 + (i % 11)}`);
    return call(`${api}/products/${slugs[i % slugs.length]}`);
  };

  const shopper = async (n: number) => {
    const headers = { 'content-type': 'application/json', authorization: buyers[n].authorization };
    let visit = 0;
    while (performance.now() < deadline) {
      for (let i = 0; i < BROWSES_PER_ORDER && performance.now() < deadline; i++) {
        await browse(n * 7919 + visit * BROWSES_PER_ORDER + i);
      }
      for (const k of [0, 1]) {
        const variantId = variants[(n * 31 + visit * 2 + k) % variants.length];
        await call(`${api}/cart/items`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ variantId, quantity: 1 }),
        });
      }
      const placed = await call(
        `${api}/checkout`,
        { method: 'POST', headers: { ...headers, 'idempotency-key': randomUUID() }, body: '{}' },
        201,
      );
      if (placed) orders++;
      visit++;
    }
  };
  try {
    await Promise.all(Array.from({ length: connections }, (_, n) => shopper(n)));
  } finally {
    clearInterval(sampler);
  }
  sample();
  const elapsed = (performance.now() - started) / 1000;
  const warm = samples.filter((s) => s.at >= warmup);
  const steady = warm.length >= 2 ? warm : samples;
  const rss = steady.map((s) => s.rssMb);
  const ratio = Math.max(...rss) / Math.min(...rss);
  process.stdout.write(
    `soak: ${Math.round(elapsed)} s, ${requests} requests, ${orders} orders; API RSS (MB) every ` +
      `${SAMPLE_EVERY_MS / 1000} s: ${samples.map((s) => s.rssMb).join(' ')}; ` +
      `max/min after ${warmup} s ${ratio.toFixed(3)} (target ≤ 1.10)\n`,
  );
  return {
    scenario: `soak: mixed browse/cart/checkout 50:1, ${Math.round(elapsed)} s, RSS max/min ${ratio.toFixed(2)} (${Math.min(...rss)}-${Math.max(...rss)} MB)`,
    connections,
    durationSeconds: Math.round(elapsed),
    requestsPerSecond: Math.round(requests / elapsed),
    ...latencyPercentiles(latencies),
    non2xx,
    errors,
  };
}

/** Every published product's slug, page by page. */
async function productSlugs(baseUrl: string): Promise<string[]> {
  const slugs: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const res = await fetch(`${baseUrl}/api/v1/products?limit=100${query}`);
    const page = (await res.json()) as { items: { slug: string }[]; nextCursor: string | null };
    slugs.push(...page.items.map((p) => p.slug));
    cursor = page.nextCursor;
  } while (cursor);
  if (!slugs.length) throw new Error('No published products: is the bench database seeded?');
  return slugs;
}
