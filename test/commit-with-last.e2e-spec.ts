import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  queryAndCommit,
  transactionEndingInWork,
  transactionInOneMessage,
} from '../src/database/commit-with-last';
import { together } from '../src/database/sql';
import { OutboxService } from '../src/modules/queues/outbox.service';
import { JobMessage, jobMessages } from '../src/modules/queues/queue-names';
import { countRoundTrips } from './support/round-trips';
import { plainStatement } from './support/statements';
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
      const [rows] = await queryAndCommit(tx, [
        plainStatement<{ n: number }>('SELECT 41 + 1 AS n'),
      ]);
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
        await queryAndCommit(tx, [plainStatement('SELECT 1 / 0')]);
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

  it('sends a whole transaction in one message: one round trip, rows answered, writes kept, connection idle', async () => {
    const batch = [jobMessages.invoice(randomUUID())];
    const trips = countRoundTrips(app);
    const before = trips.count();
    const [first, [written], last] = await transactionInOneMessage(db, (tx) => {
      expect(tx.queryRunner!.isTransactionActive).toBe(true);
      return [
        plainStatement<{ n: number }>('SELECT 20 + 1 AS n'),
        together([outbox.part(tx, batch)!]),
        plainStatement<{ n: number }>('SELECT 2 * 21 AS n'),
      ];
    });
    expect(trips.count() - before).toBe(1);
    expect([first, last]).toEqual([[{ n: 21 }], [{ n: 42 }]]);
    expect(written).toHaveLength(1);
    expect(await rowsOf(batch)).toHaveLength(1);
    expect(await openTransactions()).toBe(0);
  });

  it('rolls a transaction sent in one message back when a statement fails, or when its statements cannot be made', async () => {
    const dropped = [jobMessages.invoice(randomUUID())];
    await expect(
      transactionInOneMessage(db, (tx) => [
        together([outbox.part(tx, dropped)!]),
        plainStatement('SELECT 1 / 0'),
      ]),
    ).rejects.toMatchObject({ code: '22012' });
    await expect(
      transactionInOneMessage(db, () => {
        throw new Error('no statements');
      }),
    ).rejects.toThrow('no statements');
    expect(await rowsOf(dropped)).toEqual([]);
    expect(await openTransactions()).toBe(0);
  });

  it('runs the statements sent with the COMMIT in order and keeps none when one fails; its owner names the failure', async () => {
    const batch = [jobMessages.invoice(randomUUID())];
    const refused = {
      ...plainStatement('SELECT 1 / 0'),
      refusal: (error: unknown) =>
        (error as { code?: string }).code === '22012' ? new Error('refused') : undefined,
    };
    await expect(
      transactionEndingInWork(db, async (tx) => {
        await queryAndCommit(tx, [
          plainStatement({
            text: `INSERT INTO outbox (queue, name, job_id, payload)
                   VALUES ('invoices', 'generate', $1, '{}') RETURNING job_id`,
            values: [batch[0].jobId],
          }),
          refused,
        ]);
      }),
    ).rejects.toThrow('refused');
    expect(await rowsOf(batch)).toEqual([]);
    expect(await openTransactions()).toBe(0);
  });

  it('refuses to end what is not an outermost transaction', async () => {
    await expect(queryAndCommit(db.manager, [plainStatement('SELECT 1')])).rejects.toThrow(
      /outermost transaction/,
    );
    await expect(
      db.transaction((tx) =>
        tx.transaction((inner) => queryAndCommit(inner, [plainStatement('SELECT 1')])),
      ),
    ).rejects.toThrow(/outermost transaction/);
    expect(await openTransactions()).toBe(0);
  });
});
