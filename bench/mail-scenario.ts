import Bull from 'bull';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadRedisConfig } from '../src/config/redis.config';
import { jobMessages } from '../src/modules/queues/queue-names';
import { SinkMessage, SmtpSink } from '../test/support/smtp-sink';
import { BenchResult, latencyPercentiles, markOutboxSettled, ROOT } from './harness';

const eventOf = (msg: SinkMessage) => msg.parsed.headers.get('x-shop-event') as string;

const MESSAGES = Number(process.env.BENCH_MAIL_MESSAGES ?? 500);

/**
 * One built worker (`dist/worker.js`) sending `verify-email` messages (templates rendered, CSS
 * inlined, mail_log claimed and settled, SMTP to a loopback smtp-server) as fast as it can:
 * N jobs added to Bull at once; mails/s from the first add to the last message accepted, and
 * the add → accepted latency of each message (queueing included).
 */
export async function mailScenario(
  baseUrl: string,
  env: Record<string, string>,
): Promise<BenchResult> {
  const account = { email: 'bench-mail@shop.local', password: 'correct horse battery staple' };
  await fetch(`${baseUrl}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...account, name: 'Bench Mail' }),
  });
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  const userId = ((await login.json()) as { user: { id: string } }).user.id;

  await markOutboxSettled(env.DATABASE_URL);
  const sink = await SmtpSink.start();
  const concurrency = process.env.BENCH_MAIL_CONCURRENCY ?? '8';
  const worker = spawn(process.execPath, [join(ROOT, 'dist', 'worker.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...env,
      MAIL_URL: sink.url,
      WORKER_CONCURRENCY: concurrency,
      WORKER_QUEUES: 'mail',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const queue = new Bull('mail', {
    prefix: `${env.REDIS_PREFIX}:bull`,
    redis: loadRedisConfig().url,
  });
  const send = async (count: number) => {
    const added = new Map<string, number>();
    const start = Date.now();
    for (let i = 0; i < count; i++) {
      const m = jobMessages.verifyEmail(userId, randomBytes(32).toString('base64url'));
      added.set(m.jobId, Date.now());
      await queue.add(m.name, m.payload, { jobId: m.jobId, removeOnComplete: true });
    }
    const deadline = Date.now() + 300_000;
    const arrivals = () => sink.messages.filter((msg) => added.has(eventOf(msg)));
    while (arrivals().length < count) {
      if (Date.now() > deadline) throw new Error(`only ${arrivals().length}/${count} mails`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const latencies = arrivals().map((msg) => msg.receivedAt - added.get(eventOf(msg))!);

    const last = Math.max(...arrivals().map((msg) => msg.receivedAt));
    return { seconds: (last - start) / 1000, latencies };
  };
  try {
    await send(20); // warm-up: the worker is up and the templates compiled
    const { seconds, latencies } = await send(MESSAGES);
    return {
      scenario: `mail: ${MESSAGES} verify-email jobs, 1 worker × ${concurrency}, SMTP (mails/s)`,
      connections: Number(concurrency),
      durationSeconds: Math.round(seconds * 10) / 10,
      requestsPerSecond: Math.round(MESSAGES / seconds),
      ...latencyPercentiles(latencies),
      non2xx: 0,
      errors: sink.attempts - sink.messages.length,
    };
  } finally {
    await queue.close();
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.kill('SIGTERM');
    });
    await sink.close();
  }
}
