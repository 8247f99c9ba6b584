import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * The environment of one test run: a database and a Redis key prefix of its own, so that two
 * runs can share a machine. Set once by the global setup; the test workers inherit it.
 */
export function makeTestRunEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  const run = `${process.pid}_${randomBytes(3).toString('hex')}`;
  const server = base.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
  const scratch = mkdtempSync(join(tmpdir(), 'shop-test-'));
  return {
    NODE_ENV: 'test',
    DATABASE_URL: `${server}/shop_test_${run}`,
    REDIS_URL: base.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `shoptest_${run}`,
    // A Redis failure reported after its suite (a rejection nobody handled) names its sender.
    REDIS_DEBUG_STACKS: 'true',
    LOG_LEVEL: base.TEST_LOG_LEVEL ?? 'silent',
    RUN_WORKERS: 'false',
    AUTH_RATE_LIMIT: '100000',
    // Each app's metrics listener on a free port of its own (loopback).
    METRICS_PORT: '0',
    UPLOAD_DIR: join(scratch, 'uploads'),
    INVOICE_DIR: join(scratch, 'invoices'),
    MAIL_OUTBOX_DIR: join(scratch, 'mail-outbox'),
    TEST_SCRATCH_DIR: scratch,
  };
}
