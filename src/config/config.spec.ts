import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadAppConfig } from './app.config';
import { DEV_JWT_SECRET, loadAuthConfig } from './auth.config';
import { loadDatabaseConfig } from './database.config';
import { loadMailConfig } from './mail.config';
import { loadQueueConfig } from './queue.config';
import { loadRedisConfig } from './redis.config';
import { loadStoreConfig } from './store.config';
import { ConfigValidationError, parseDurationSeconds } from './validate-env';

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('works on a developer machine with no variables set', () => {
    expect(loadAppConfig({})).toMatchObject({ env: 'development', port: 3000, runWorkers: true });
    expect(loadDatabaseConfig({}).url).toBe('postgres://postgres@127.0.0.1:5432/shop');
    expect(loadRedisConfig({})).toEqual({
      url: 'redis://127.0.0.1:6379',
      prefix: 'shop',
      debugStacks: false,
    });
    expect(loadRedisConfig({ REDIS_DEBUG_STACKS: 'true' }).debugStacks).toBe(true);
    expect(loadAuthConfig({})).toMatchObject({ accessTtlSeconds: 900, rateLimitPerMinute: 10 });
    expect(loadMailConfig({}).url).toBeUndefined();
    expect(loadQueueConfig({})).toMatchObject({
      stalledIntervalMs: 30_000,
      maxStalledCount: 2,
      outbox: { pollMs: 1000, batch: 100, retentionDays: 7, redeliverAfterMs: 300_000 },
    });
  });

  it('consumes every queue unless WORKER_QUEUES names some', () => {
    expect(loadQueueConfig({}).workerQueues).toEqual(['invoices', 'mail', 'payments']);
    expect(loadQueueConfig({ WORKER_QUEUES: 'mail,mail' }).workerQueues).toEqual(['mail']);
  });

  it('converts numbers and booleans from their string form', () => {
    const app = loadAppConfig({ PORT: '8080', RUN_WORKERS: 'false', CORS_ORIGINS: 'a, b' });
    expect(app).toMatchObject({ port: 8080, runWorkers: false, corsOrigins: ['a', 'b'] });
    expect(loadStoreConfig({ TAX_RATE_BPS: '1900' }).taxRateBps).toBe(1900);
  });

  it('builds e-mail links from PUBLIC_WEB_URL and finds the templates without a cwd', () => {
    expect(loadMailConfig({}).publicWebUrl).toBe('http://localhost:3000');
    expect(loadMailConfig({ PUBLIC_WEB_URL: 'https://shop.example.com/' }).publicWebUrl).toBe(
      'https://shop.example.com',
    );
    expect(existsSync(join(loadMailConfig({}).templateDir, 'layouts', 'html.hbs'))).toBe(true);
  });

  it('points e-mail links at the API on PORT by default, which then serves their pages', () => {
    expect(loadMailConfig({ PORT: '4400' })).toMatchObject({
      publicWebUrl: 'http://localhost:4400',
      linksToApi: true,
    });
    expect(loadMailConfig({ PUBLIC_WEB_URL: 'http://127.0.0.1:3000/' }).linksToApi).toBe(true);
    for (const storefront of [
      'https://shop.example.com',
      'http://localhost:3001',
      'http://localhost:3000/shop',
    ]) {
      expect(loadMailConfig({ PUBLIC_WEB_URL: storefront }).linksToApi).toBe(false);
    }
  });

  it('runs the workers in the API by default outside production only', () => {
    expect(loadAppConfig({ NODE_ENV: 'production' }).runWorkers).toBe(false);
    expect(loadAppConfig({ NODE_ENV: 'production', RUN_WORKERS: 'true' }).runWorkers).toBe(true);
  });

  it.each([
    [() => loadAppConfig({ PORT: 'eighty' }), 'PORT'],
    [() => loadAppConfig({ PORT: '70000' }), 'PORT'],
    [() => loadAppConfig({ NODE_ENV: 'staging' }), 'NODE_ENV'],
    [() => loadDatabaseConfig({ DATABASE_URL: 'mysql://x/y' }), 'DATABASE_URL'],
    [() => loadRedisConfig({ REDIS_URL: 'http://localhost' }), 'REDIS_URL'],
    [() => loadRedisConfig({ REDIS_PREFIX: 'has space' }), 'REDIS_PREFIX'],
    [() => loadMailConfig({ MAIL_URL: 'http://mail' }), 'MAIL_URL'],
    [() => loadMailConfig({ PUBLIC_WEB_URL: 'shop.example.com' }), 'PUBLIC_WEB_URL'],
    [() => loadMailConfig({ PUBLIC_WEB_URL: 'javascript:alert(1)' }), 'PUBLIC_WEB_URL'],
    [() => loadStoreConfig({ STORE_CURRENCY: 'euro' }), 'STORE_CURRENCY'],
    [() => loadStoreConfig({ TAX_RATE_BPS: '-1' }), 'TAX_RATE_BPS'],
    [() => loadStoreConfig({ SHIPPING_FLAT: '4.99' }), 'SHIPPING_FLAT'],
    [() => loadAuthConfig({ JWT_ACCESS_TTL: 'soon' }), 'JWT_ACCESS_TTL'],
    [() => loadAuthConfig({ AUTH_RATE_LIMIT: '0' }), 'AUTH_RATE_LIMIT'],
    [() => loadQueueConfig({ OUTBOX_BATCH: '0' }), 'OUTBOX_BATCH'],
    [() => loadQueueConfig({ WORKER_QUEUES: 'mail,reports' }), 'WORKER_QUEUES'],
    [() => loadQueueConfig({ JOB_STALLED_INTERVAL_MS: 'soon' }), 'JOB_STALLED_INTERVAL_MS'],
  ])('refuses a bad value and names the variable (%#)', (load, variable) => {
    const problems = problemsOf(load);
    expect(problems.some((p) => p.startsWith(`${variable}:`))).toBe(true);
  });

  it('refuses the default or a short JWT secret in production', () => {
    const base = { NODE_ENV: 'production' };
    expect(problemsOf(() => loadAuthConfig(base))[0]).toMatch(/^JWT_ACCESS_SECRET:/);
    expect(
      problemsOf(() => loadAuthConfig({ ...base, JWT_ACCESS_SECRET: 'short-but-16-chars' }))[0],
    ).toMatch(/^JWT_ACCESS_SECRET:/);
    const secret = 'x'.repeat(48);
    expect(loadAuthConfig({ ...base, JWT_ACCESS_SECRET: secret }).accessSecret).toBe(secret);
    expect(loadAuthConfig({ NODE_ENV: 'development' }).accessSecret).toBe(DEV_JWT_SECRET);
  });

  it('parses durations', () => {
    expect(parseDurationSeconds('900')).toBe(900);
    expect(parseDurationSeconds('15m')).toBe(900);
    expect(parseDurationSeconds('2h')).toBe(7200);
    expect(parseDurationSeconds('30d')).toBe(2_592_000);
    expect(parseDurationSeconds('0')).toBeUndefined();
    expect(parseDurationSeconds('1w')).toBeUndefined();
  });
});
