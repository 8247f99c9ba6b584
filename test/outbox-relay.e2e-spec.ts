import { TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { Client, Notification } from 'pg';
import { DataSource } from 'typeorm';
import { loadQueueConfig } from '../src/config/queue.config';
import { queryAndCommit, transactionEndingInWork } from '../src/database/commit-with-last';
import { redisConfig } from '../src/config';
import { loadRedisConfig } from '../src/config/redis.config';
import { OutboxRelay } from '../src/modules/queues/outbox-relay';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { JobMessage, jobMessages } from '../src/modules/queues/queue-names';
import { eventually, outboxRows, queueConfigWith, queueOf, startContext } from './support/jobs';
import { plainStatement } from './support/statements';
import { TcpProxy } from './support/tcp-proxy';

/** Jobs whose payloads point at nothing: no processor runs in these contexts. */
function messages(count: number): JobMessage[] {
  return Array.from({ length: count }, (_, i) =>
    i % 2 === 0 ? jobMessages.invoice(randomUUID()) : jobMessages.orderConfirmation(randomUUID()),
  );
}

async function commit(context: TestingModule, batch: JobMessage[]): Promise<void> {
  const db = context.get(DataSource);
  await db.transaction((manager) => context.get(OutboxService).add(manager, batch));
}

function allRelayed(db: DataSource, batch: JobMessage[]) {
  const ids = batch.map((m) => m.jobId);
  return eventually(
    async () => {
      const rows = await outboxRows(db, ids);
      return rows.length === ids.length && rows.every((r) => r.relayed) ? rows : undefined;
    },
    { what: `${ids.length} rows relayed` },
  );
}

async function expectJobsFor(context: TestingModule, batch: JobMessage[]): Promise<void> {
  for (const message of batch) {
    const job = await queueOf(context, message.queue).getJob(message.jobId);
    expect(job).toBeTruthy();
    expect({ id: job!.id, name: job!.name, data: job!.data }).toEqual({
      id: message.jobId,
      name: message.name,
      data: message.payload,
    });
  }
}

describe('the outbox relay', () => {
  describe('one relay', () => {
    let relay: TestingModule;
    let db: DataSource;

    beforeAll(async () => {
      // A one-minute poll: anything relayed sooner was woken by the NOTIFY of the commit.
      relay = await startContext({ relay: true, overrides: [queueConfigWith({ pollMs: 60_000 })] });
      db = relay.get(DataSource);
    });
    afterAll(() => relay.close());

    it('turns each row of a committed transaction into exactly one Bull job, woken by NOTIFY', async () => {
      const batch = messages(3);
      const started = Date.now();
      await commit(relay, batch);

      const rows = await allRelayed(db, batch);
      expect(Date.now() - started).toBeLessThan(30_000);
      expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1]);
      await expectJobsFor(relay, batch);
      // The queue's default options apply: retries with exponential backoff, failures kept.
      const job = await queueOf(relay, batch[0].queue).getJob(batch[0].jobId);
      expect(job!.opts).toMatchObject({
        attempts: loadQueueConfig().attempts,
        backoff: { type: 'exponential', delay: loadQueueConfig().backoffMs },
        removeOnFail: false,
      });
    });

    it('wakes the relays after the commit from a connection of its own, not from the committing transaction', async () => {
      // A transaction that sends NOTIFY takes PostgreSQL's notify queue lock at its commit and
      // holds it through its WAL flush: every such commit in the cluster then waits for the
      // one before it. The producer's transaction must send none.
      const listener = new Client({ connectionString: process.env.DATABASE_URL });
      await listener.connect();
      try {
        await listener.query('LISTEN outbox');
        const notified = new Promise<Notification>((resolve) =>
          listener.once('notification', resolve),
        );
        const batch = messages(1);
        const committer = await db.transaction(async (manager) => {
          await relay.get(OutboxService).add(manager, batch);
          const [{ pid }] = await manager.query<{ pid: number }[]>(
            'SELECT pg_backend_pid() AS pid',
          );
          return pid;
        });
        expect((await notified).processId).not.toBe(committer);
        await allRelayed(db, batch);
      } finally {
        await listener.end();
      }
    });

    it('wakes the relays after a transaction that committed with its last statement', async () => {
      // A batch relayed first: the relay is past its start and asleep until woken.
      const first = messages(1);
      await commit(relay, first);
      await allRelayed(db, first);
      const batch = messages(1);
      await transactionEndingInWork(db, async (tx) => {
        await relay.get(OutboxService).add(tx, batch);
        await queryAndCommit(tx, [plainStatement('SELECT 1')]);
      });
      // The poll is a minute away: only the commit's wake-up relays the row in time.
      await allRelayed(db, batch);
    });

    it('keeps one row and one job for a message written twice or a row relayed twice', async () => {
      const [message] = messages(1);
      await commit(relay, [message]);
      await commit(relay, [message]);
      const [{ count }] = await db.query(
        `SELECT count(*)::int AS count FROM outbox WHERE job_id = $1`,
        [message.jobId],
      );
      expect(count).toBe(1);
      await allRelayed(db, [message]);
      const queue = queueOf(relay, message.queue);
      const first = await queue.getJob(message.jobId);

      // As if a relay died after adding the job but before its commit: the row comes back.
      await db.query(`UPDATE outbox SET relayed_at = NULL WHERE job_id = $1`, [message.jobId]);
      await db.query(`SELECT pg_notify('outbox', '')`);
      const rows = await eventually(
        async () => {
          const [row] = await outboxRows(db, [message.jobId]);
          return row.relayed && row.attempts === 2 ? row : undefined;
        },
        { what: 'the second relay of the row' },
      );
      expect(rows.relayed).toBe(true);
      const again = await queue.getJob(message.jobId);
      expect(again!.timestamp).toBe(first!.timestamp);
      expect(again!.data).toEqual(message.payload);
    });

    it('leaves no row and no job for a rolled-back transaction', async () => {
      const [rolledBack, committed] = messages(2);
      await expect(
        db.transaction(async (manager) => {
          await relay.get(OutboxService).add(manager, [rolledBack]);
          throw new Error('checkout failed');
        }),
      ).rejects.toThrow('checkout failed');
      // A later commit goes through: the relay has looked past where the rolled-back row was.
      await commit(relay, [committed]);
      await allRelayed(db, [committed]);

      expect(await outboxRows(db, [rolledBack.jobId])).toEqual([]);
      expect(await queueOf(relay, rolledBack.queue).getJob(rolledBack.jobId)).toBeNull();
    });
  });

  describe('two relays at once', () => {
    let relays: TestingModule[];

    beforeAll(async () => {
      relays = await Promise.all([
        startContext({ relay: true, overrides: [queueConfigWith({ batch: 10, pollMs: 50 })] }),
        startContext({ relay: true, overrides: [queueConfigWith({ batch: 10, pollMs: 50 })] }),
      ]);
    });
    afterAll(() => Promise.all(relays.map((r) => r.close())));

    it('relays 200 rows as 200 jobs, each row claimed exactly once', async () => {
      const db = relays[0].get(DataSource);
      const before = relays.map((r) => r.get(OutboxRelay).relayedCount);
      const batch = messages(200);
      await commit(relays[0], batch);

      const rows = await allRelayed(db, batch);
      // A row taken by both relays would have been stamped twice.
      expect(rows.filter((r) => r.attempts !== 1)).toEqual([]);
      await expectJobsFor(relays[0], batch);
      const moved = relays.map((r, i) => r.get(OutboxRelay).relayedCount - before[i]);
      expect(moved[0] + moved[1]).toBeGreaterThanOrEqual(200);
    });
  });

  describe('while Redis is unreachable', () => {
    const redis = loadRedisConfig();
    let proxy: TcpProxy;
    let relay: TestingModule;
    let inspector: TestingModule;

    beforeAll(async () => {
      proxy = await TcpProxy.inFrontOf(redis.url, 6379);
      relay = await startContext({
        relay: true,
        overrides: [
          [redisConfig.KEY, { ...redis, url: proxy.through(redis.url) }],
          queueConfigWith({ pollMs: 100, maxBackoffMs: 400 }),
        ],
      });
      inspector = await startContext();
    });
    afterAll(async () => {
      await relay.close();
      await inspector.close();
      await proxy.stop();
    });

    it('keeps the rows with their attempts and error, then sends each once when Redis returns', async () => {
      const db = inspector.get(DataSource);
      await proxy.cut();
      const batch = messages(20);
      await commit(inspector, batch);

      const waiting = await eventually(
        async () => {
          const rows = await outboxRows(
            db,
            batch.map((m) => m.jobId),
          );
          return rows.every((r) => r.attempts >= 2 && r.last_error) ? rows : undefined;
        },
        { what: 'failed relay attempts recorded', timeoutMs: 40_000 },
      );
      expect(waiting.every((r) => !r.relayed)).toBe(true);
      expect(waiting[0].last_error).toBeTruthy();
      for (const message of batch) {
        expect(await queueOf(inspector, message.queue).getJob(message.jobId)).toBeNull();
      }

      await proxy.restore();
      const rows = await eventually(
        async () => {
          const now = await outboxRows(
            db,
            batch.map((m) => m.jobId),
          );
          return now.every((r) => r.relayed) ? now : undefined;
        },
        { what: 'the rows relayed after Redis returned', timeoutMs: 40_000 },
      );
      expect(rows).toHaveLength(20);
      await expectJobsFor(inspector, batch);
      const counts = await queueOf(inspector, batch[0].queue).getJobs(['waiting']);
      const ids = counts.map((j) => String(j.id));
      for (const message of batch.filter((m) => m.queue === batch[0].queue)) {
        expect(ids.filter((id) => id === message.jobId)).toHaveLength(1);
      }
    });
  });
});
