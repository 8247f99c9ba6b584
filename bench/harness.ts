import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { loadRedisConfig } from '../src/config/redis.config';

export const ROOT = join(__dirname, '..');

export interface BenchResult {
  scenario: string;
  connections: number;
  durationSeconds: number;
  requestsPerSecond: number;
  p50: number;
  p97_5: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** p50, p97.5 and p99 (ms, rounded) of latencies measured outside autocannon. */
export function latencyPercentiles(
  latencies: number[],
): Pick<BenchResult, 'p50' | 'p97_5' | 'p99'> {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
  return { p50: at(0.5), p97_5: at(0.975), p99: at(0.99) };
}

export interface LoadOptions {
  url: string;
  connections?: number;
  durationSeconds?: number;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Per-request body or headers, e.g. a distinct user per connection. */
  requests?: autocannon.Request[];
  /** Per-connection setup, e.g. each connection its own bearer token. */
  setupClient?: (client: autocannon.Client) => void;
  /** A status other than 2xx that counts as success (304 for conditional requests). */
  expectedStatus?: number;
}

/** Runs autocannon against a URL after a short warm-up; returns its medians and tails. */
export async function load(scenario: string, options: LoadOptions): Promise<BenchResult> {
  const base = {
    url: options.url,
    connections: options.connections ?? 32,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    requests: options.requests,
    setupClient: options.setupClient,
  };
  await autocannon({ ...base, duration: 2 });
  const result = await autocannon({ ...base, duration: options.durationSeconds ?? 10 });
  return {
    scenario,
    connections: base.connections,
    durationSeconds: result.duration,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p97_5: result.latency.p97_5,
    p99: result.latency.p99,
    non2xx: result.non2xx - expectedCount(result, options.expectedStatus),
    errors: result.errors + result.timeouts,
  };
}

function expectedCount(result: autocannon.Result, status: number | undefined): number {
  if (status === undefined || status < 300) return 0;
  return result.statusCodeStats?.[`${status}`]?.count ?? 0;
}

export function printResults(results: BenchResult[]): void {
  const header = '| scenario | conns | req/s | p50 ms | p97.5 ms | p99 ms | non-2xx | errors |';
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${r.connections} | ${r.requestsPerSecond} | ${r.p50} | ${r.p97_5} | ${r.p99} | ${r.non2xx} | ${r.errors} |`,
  );
  process.stdout.write(['', header, '|---|---|---|---|---|---|---|---|', ...rows, ''].join('\n'));
}

export interface RunningApi {
  process: ChildProcess;
  baseUrl: string;
  startupMs: number;
  rssMb(): number;
  stop(): Promise<void>;
}

/** Starts the built API (`dist/main.js`) and waits until /health/ready answers 200. */
export async function startBuiltApi(
  env: Record<string, string>,
  port: number,
): Promise<RunningApi> {
  return startProcess(
    [...profiling('BENCH_CPU_PROF'), ...apiFlags(), join(ROOT, 'dist', 'main.js')],
    { ...env, PORT: String(port) },
    port,
    '/health/ready',
  );
}

/** `BENCH_API_FLAGS`: Node flags for the API process (e.g. V8 heap sizes to compare). */
function apiFlags(): string[] {
  return (process.env.BENCH_API_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

/**
 * Node's flags for a V8 CPU profile when `variable` names a folder (`BENCH_CPU_PROF` for the
 * API, `BENCH_WORKER_CPU_PROF` for a bench's worker): the process writes it there when it stops.
 */
export function profiling(variable: string): string[] {
  const folder = process.env[variable];
  return folder ? ['--cpu-prof', `--cpu-prof-dir=${folder}`] : [];
}

/** Starts a Node process (`args` after `node`) and waits until `readyPath` answers 200. */
export async function startProcess(
  args: string[],
  env: Record<string, string>,
  port: number,
  readyPath: string,
): Promise<RunningApi> {
  const started = Date.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null)
      throw new Error(`${args[args.length - 1]} exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${baseUrl}${readyPath}`);
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const startupMs = Date.now() - started;
  return {
    process: child,
    baseUrl,
    startupMs,
    rssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Scenarios that start a worker measure their own jobs only: the bench API runs no workers, so
 * earlier scenarios (checkouts) leave thousands of outbox rows that the worker's relay would
 * otherwise turn into invoice and mail jobs ahead of the measured ones. They are stamped
 * relayed and settled: a row relayed but not settled is handed over again once
 * OUTBOX_REDELIVER_AFTER_MS has passed, so rows stamped only relayed by an earlier run came
 * back as thousands of invoice jobs (the invoice rate then read 14/s). Bench data only.
 */
export async function markOutboxSettled(databaseUrl: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(
      `UPDATE outbox SET relayed_at = coalesce(relayed_at, now()), settled_at = now()
        WHERE settled_at IS NULL`,
    );
  } finally {
    await db.end();
  }
}

/**
 * Vacuums and analyzes the bench database when the server's autovacuum is off (this machine's
 * PostgreSQL runs with `autovacuum = off`), as autovacuum keeps a production database: without
 * it the dead rows that checkouts' stock updates leave in `product_variants`, and statistics
 * that never follow the tables' growth, made the cart's reads 2-3 × costlier in PostgreSQL
 * after a few runs. Returns whether it vacuumed (with autovacuum on it leaves it to that).
 */
export async function vacuumUnlessAutovacuum(databaseUrl: string): Promise<boolean> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ autovacuum: string }>('SHOW autovacuum');
    if (rows[0].autovacuum === 'on') return false;
    await db.query('VACUUM (ANALYZE)');
    return true;
  } finally {
    await db.end();
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc (Linux). */
export function processCpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0; // the process is gone
  }
}

/**
 * What the API process, each PostgreSQL backend serving the bench database and the Redis server
 * have used so far: CPU time (ms) and, for Redis, the commands it has run.
 */
export interface CpuSnapshot {
  apiMs: number;
  postgresMs: Map<number, number>;
  redis: RedisUsage;
}

/** The Redis server's CPU time (user + system, ms) and the commands it has processed. */
export interface RedisUsage {
  cpuMs: number;
  commands: number;
}

/**
 * Reads `RedisUsage` from the text of `INFO stats cpu`. Throws when a field is missing, so that
 * a figure is never reported from a reply that does not carry it.
 */
export function redisUsageOf(info: string): RedisUsage {
  const field = (name: string): number => {
    const value = new RegExp(`^${name}:([0-9.]+)\\r?$`, 'm').exec(info)?.[1];
    if (value === undefined) throw new Error(`INFO gave no ${name}`);
    return Number(value);
  };
  return {
    cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000,
    commands: field('total_commands_processed'),
  };
}

export async function cpuSnapshot(
  databaseUrl: string,
  apiPid: number,
  redisUrl = loadRedisConfig().url,
): Promise<CpuSnapshot> {
  const db = new Client({ connectionString: databaseUrl });
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 1,
  });
  await db.connect();
  try {
    const { rows } = await db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    const info = (await redis.call('INFO', 'stats', 'cpu')) as string;
    return {
      apiMs: processCpuMs(apiPid),
      postgresMs: new Map(rows.map((r) => [r.pid, processCpuMs(r.pid)])),
      redis: redisUsageOf(info),
    };
  } finally {
    await db.end();
    redis.disconnect();
  }
}

export interface ResourcesUsed {
  apiMs: number;
  postgresMs: number;
  redisMs: number;
  redisCommands: number;
}

/**
 * What was used between two snapshots: the API's CPU (ms), the PostgreSQL backends' (the API's
 * pool plus the scenario's own connections; a backend that ended in between is not counted), and
 * the Redis server's CPU and commands (the one `INFO` of the first snapshot not counted; every
 * client of the server is, so run the bench on a Redis of its own). Divided by the requests
 * served, the per-request costs the capacity model in bench/README.md uses.
 */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot): ResourcesUsed {
  let postgresMs = 0;
  for (const [pid, ms] of after.postgresMs) postgresMs += ms - (before.postgresMs.get(pid) ?? 0);
  return {
    apiMs: after.apiMs - before.apiMs,
    postgresMs,
    redisMs: after.redis.cpuMs - before.redis.cpuMs,
    redisCommands: after.redis.commands - before.redis.commands - 1,
  };
}

/** Requests the results served in their timed runs (the divisor of `cpuPerRequest`). */
export function requestsServed(results: BenchResult[]): number {
  return results.reduce((sum, r) => sum + r.requestsPerSecond * (r.durationSeconds || 0), 0);
}

/**
 * `<who> CPU x ms/request, PostgreSQL CPU y ms/request, Redis CPU z ms/request and c
 * commands/request (n requests)`: one report line's end.
 */
export function cpuPerRequest(who: string, used: ResourcesUsed, served: number): string {
  const perRequest = (ms: number) => (ms / served).toFixed(3);
  return (
    `${who} CPU ${perRequest(used.apiMs)} ms/request, ` +
    `PostgreSQL CPU ${perRequest(used.postgresMs)} ms/request, ` +
    `Redis CPU ${perRequest(used.redisMs)} ms/request and ` +
    `${(used.redisCommands / served).toFixed(2)} commands/request (${Math.round(served)} requests)`
  );
}
