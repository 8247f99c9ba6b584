import { TestingModule } from '@nestjs/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { redisConfig } from '../src/config';
import { loadRedisConfig } from '../src/config/redis.config';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { jobMessages, QUEUES } from '../src/modules/queues/queue-names';
import { enqueue, queueOf, settled, startContext } from './support/jobs';

/**
 * The helper that suites wait on before they assert an absence (test/support/jobs.ts): it must
 * hold a test back while any job about the order is unfinished, and let it go once all are
 * done. No relay runs here, and the queues have a prefix of their own.
 */
describe('settled(): nothing more will happen about an order', () => {
  let context: TestingModule;
  let db: DataSource;

  beforeAll(async () => {
    const redis = loadRedisConfig();
    const prefix = `${redis.prefix}:settled-${randomBytes(3).toString('hex')}`;
    context = await startContext({ overrides: [[redisConfig.KEY, { ...redis, prefix }]] });
    db = context.get(DataSource);
  });
  afterAll(() => context.close());

  it('times out while a job about the order waits in a queue, and returns once a worker ran it', async () => {
    const orderId = randomUUID();
    const queue = queueOf(context, QUEUES.invoices);
    const job = await enqueue(queue, jobMessages.invoice(orderId));
    await expect(settled(context, { orderId }, { timeoutMs: 300 })).rejects.toThrow(
      `Bull job ${job.id}`,
    );
    // Another order's job holds nothing back.
    await settled(context, { orderId: randomUUID() }, { timeoutMs: 300 });

    void queue.process('*', () => Promise.resolve('done'));
    await settled(context, { orderId }, { timeoutMs: 5000 });
    expect(await job.finished()).toBe('done');
  });

  it('times out while an outbox row about the order is unsettled, and returns once it is settled', async () => {
    const orderId = randomUUID();
    const message = jobMessages.orderConfirmation(orderId);
    const outbox = context.get(OutboxService);
    // Handed over, as by a relay whose worker then died: no relay takes it again for minutes.
    await db.transaction(async (manager) => {
      await outbox.add(manager, [message]);
      await manager.query(`UPDATE outbox SET relayed_at = clock_timestamp() WHERE job_id = $1`, [
        message.jobId,
      ]);
    });
    await expect(settled(context, { orderId }, { timeoutMs: 300 })).rejects.toThrow(
      `outbox row ${message.jobId}`,
    );

    await outbox.settle(message.jobId);
    await settled(context, { orderId }, { timeoutMs: 300 });
  });
});
