import { TestingModule } from '@nestjs/testing';
import type { Job } from 'bull';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { redisConfig } from '../src/config';
import { loadRedisConfig } from '../src/config/redis.config';
import { JOBS, QUEUES } from '../src/modules/queues/queue-names';
import { eventually, queueOf, startContext } from './support/jobs';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

describe('npm run cli -- jobs:retry-failed', () => {
  // A key prefix of this suite's own: the processor below must see no one else's jobs.
  const redis = { ...loadRedisConfig(), prefix: `${loadRedisConfig().prefix}-retry` };
  const cli = (...args: string[]) =>
    run(
      join(ROOT, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', 'src/cli.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, REDIS_PREFIX: redis.prefix },
        timeout: 60_000,
      },
    );
  let context: TestingModule;

  beforeAll(async () => {
    context = await startContext({ overrides: [[redisConfig.KEY, redis]] });
  });
  // The run's teardown deletes this prefix's keys with the run's.
  afterAll(() => context.close());

  it('re-queues the failed jobs of the queue, which then run again', async () => {
    const mail = queueOf(context, QUEUES.mail);
    const refusedOnce = new Set<string>();
    // A real Bull worker: the SMTP server "refuses" each job the first time it is seen.
    void mail.process('*', 2, (job: Job) => {
      if (job.data.refuse && !refusedOnce.has(String(job.id))) {
        refusedOnce.add(String(job.id));
        return Promise.reject(new Error('SMTP 421: try again later'));
      }
      return Promise.resolve('sent');
    });
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await mail.add(
      JOBS.mail.orderConfirmation,
      { orderId: ids[0], refuse: true },
      { jobId: ids[0], attempts: 1 },
    );
    await mail.add(
      JOBS.mail.orderConfirmation,
      { orderId: ids[1], refuse: true },
      { jobId: ids[1], attempts: 1 },
    );
    await mail.add(
      JOBS.mail.orderConfirmation,
      { orderId: ids[2] },
      { jobId: ids[2], attempts: 1 },
    );

    const state = (id: string) => mail.getJob(id).then((job) => job?.getState());
    await eventually(
      async () =>
        (await state(ids[0])) === 'failed' &&
        (await state(ids[1])) === 'failed' &&
        (await state(ids[2])) === 'completed',
      { what: 'two failed jobs and one completed' },
    );
    const failed = await mail.getJob(ids[0]);
    expect(failed!.failedReason).toContain('SMTP 421');

    const { stdout } = await cli('jobs:retry-failed', '--queue', 'mail');
    expect(stdout).toContain('Re-queued 2 failed job(s) of queue "mail"');

    await eventually(
      async () => (await state(ids[0])) === 'completed' && (await state(ids[1])) === 'completed',
      { what: 'the re-queued jobs completed' },
    );
    expect(await mail.getFailedCount()).toBe(0);

    const again = await cli('jobs:retry-failed', '--queue', 'mail');
    expect(again.stdout).toContain('Re-queued 0 failed job(s)');
  });

  it('refuses an unknown queue with a clear error and a non-zero exit code', async () => {
    await expect(cli('jobs:retry-failed', '--queue', 'nope')).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('unknown queue "nope": one of invoices, mail'),
    });
  });
});
