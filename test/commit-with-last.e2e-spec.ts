import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { queryAndCommit, transactionEndingInWork } from '../src/database/commit-with-last';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { JobMessage, jobMessages } from '../src/modules/queues/queue-names';
import { countRoundTrips } from './support/round-trips';
import { createTestApp } from './support/test-app';

describe('a transaction that commits with its last statement', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let outbox: OutboxService;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(DataSource);
    outbox = app.get(OutboxService);
  });
  afterAll(() => app.close());

  /** Outbox rows serve as the transaction's writes (no relay runs in this app). */
  const rowsOf = (batch: JobMessage[]) =>
    db.query(`SELECT job_id FROM outbox WHERE job_id = ANY($1)`, [batch.map((m) => m.jobId)]);
  const openTransactions = async (): Promise<number> =>
    (
      await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
      )
    )[0].n;

  it('sends the statement and the COMMIT in one message: rows answered, writes kept, connection idle', async () => {
    const batch = [jobMessages.invoice(randomUUID())];
    const trips = countRoundTrips(app);
    const before = trips.count();
    const { rows, stillActive } = await transactionEndingInWork(db, async (tx) => {
      await outbox.add(tx, batch);
      const rows = await queryAndCommit<{ n: number }>(tx, 'SELECT 41 + 1 AS n');
      return { rows, stillActive: tx.queryRunner!.isTransactionActive };
    });
    // BEGIN, the outbox rows, the statement with the COMMIT: no COMMIT of its own after it.
    expect(trips.count() - before).toBe(3);
    expect(rows).toEqual([{ n: 42 }]);
    expect(stillActive).toBe(false);
    expect(await rowsOf(batch)).toHaveLength(1);
    expect(await openTransactions()).toBe(0);
  });

  it('rolls the whole transaction back when the last statement fails: its COMMIT never runs', async () => {
    const batch = [jobMessages.invoice(randomUUID())];
    await expect(
      transactionEndingInWork(db, async (tx) => {
        await outbox.add(tx, batch);
        await queryAndCommit(tx, 'SELECT 1 / 0');
      }),
    ).rejects.toMatchObject({ code: '22012' }); // division_by_zero
    expect(await rowsOf(batch)).toEqual([]);
    expect(await openTransactions()).toBe(0);
  });

  it('commits at the end as usual when the work does not commit itself, and rolls back on a throw', async () => {
    const [kept, dropped] = [jobMessages.invoice(randomUUID()), jobMessages.invoice(randomUUID())];
    await transactionEndingInWork(db, (tx) => outbox.add(tx, [kept]));
    await expect(
      transactionEndingInWork(db, async (tx) => {
        await outbox.add(tx, [dropped]);
        throw new Error('checkout failed');
      }),
    ).rejects.toThrow('checkout failed');
    expect(await rowsOf([kept, dropped])).toEqual([{ job_id: kept.jobId }]);
  });

  it('refuses to end what is not an outermost transaction', async () => {
    await expect(queryAndCommit(db.manager, 'SELECT 1')).rejects.toThrow(/outermost transaction/);
    await expect(
      db.transaction((tx) => tx.transaction((inner) => queryAndCommit(inner, 'SELECT 1'))),
    ).rejects.toThrow(/outermost transaction/);
    expect(await openTransactions()).toBe(0);
  });
});
