import { TestingModule } from '@nestjs/testing';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { queueConfig, redisConfig } from '../src/config';
import { loadQueueConfig } from '../src/config/queue.config';
import { loadRedisConfig } from '../src/config/redis.config';
import { JOBS, QUEUES } from '../src/modules/queues/queue-names';
import { eventually, queueOf, startContext } from './support/jobs';

const ROOT = join(__dirname, '..');

describe('stalled-job recovery', () => {
  // Its own key prefix (no other suite's jobs) and short locks, as JOB_* variables set them.
  const redis = { ...loadRedisConfig(), prefix: `${loadRedisConfig().prefix}-stalled` };
  const settings = { JOB_LOCK_DURATION_MS: '1000', JOB_STALLED_INTERVAL_MS: '500' };
  let context: TestingModule;

  beforeAll(async () => {
    context = await startContext({
      overrides: [
        [redisConfig.KEY, redis],
        [queueConfig.KEY, loadQueueConfig({ ...process.env, ...settings })],
      ],
    });
  });
  afterAll(async () => {
    await queueOf(context, QUEUES.mail).obliterate({ force: true });
    await context.close();
  });

  it('runs a job again on another worker after its worker was killed mid-job', async () => {
    let output = '';
    const child = spawn(
      join(ROOT, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', 'test/support/hanging-worker.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, ...settings, REDIS_PREFIX: redis.prefix },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<string | null>((resolve) =>
      child.once('exit', (_, signal) => resolve(signal)),
    );
    try {
      const mail = queueOf(context, QUEUES.mail);
      const jobId = randomUUID();
      await mail.add(JOBS.mail.orderConfirmation, { orderId: jobId }, { jobId, attempts: 1 });
      await eventually(() => Promise.resolve(output.includes(`started ${jobId}`)), {
        what: `the first worker to take the job (output: ${output.slice(-1000)})`,
        timeoutMs: 90_000,
      });
      expect(await (await mail.getJob(jobId))!.getState()).toBe('active');

      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      // The "restarted" worker: this process, with the same queue settings.
      const ranHere: string[] = [];
      void mail.process('*', 1, (job) => {
        ranHere.push(String(job.id));
        return Promise.resolve('sent');
      });
      await eventually(async () => (await (await mail.getJob(jobId))!.getState()) === 'completed', {
        what: 'the stalled job to complete on the second worker',
      });
      expect(ranHere).toEqual([jobId]);
      expect(await mail.getFailedCount()).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});
