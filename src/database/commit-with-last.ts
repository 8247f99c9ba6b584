import type { PoolClient } from 'pg';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { Outgoing, sendAll, Statement } from './pipeline';

const BEGIN: Statement = { text: 'BEGIN' };
const COMMIT: Statement = { text: 'COMMIT' };

/**
 * Runs `work` in a transaction, as `DataSource.transaction` does, except that `work` may end it
 * itself with its last statements (`queryAndCommit`): then no COMMIT follows. Rolled back when
 * `work` fails before that.
 */
export function transactionEndingInWork<T>(
  db: DataSource,
  work: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  return inTransaction(db, (runner) => runner.startTransaction(), work);
}

/**
 * A whole transaction in one message: the BEGIN, the statements `build` makes for it (each read
 * back by its owner) and the COMMIT. One round trip, and the rows it locks are released as soon
 * as it is done. When one statement fails, the rest and the COMMIT do not run, and the
 * transaction is rolled back (the failure is its owner's error for it: `Outgoing.refusal`).
 * `build` gets the transaction's manager, for owners that mark it (the outbox).
 */
export function transactionInOneMessage<T extends unknown[]>(
  db: DataSource,
  build: (tx: EntityManager) => { [K in keyof T]: Outgoing<T[K]> },
): Promise<T> {
  return inTransaction(
    db,
    async (runner) => {
      await runner.connect();
      await runner.broadcaster.broadcast('BeforeTransactionStart');
      // Open from here on: a failure of any statement is rolled back.
      setState(runner, { isTransactionActive: true, transactionDepth: 1 });
      await runner.broadcaster.broadcast('AfterTransactionStart');
    },
    (tx) => sendAndCommit<T>(tx, build(tx), [BEGIN]),
  );
}

async function inTransaction<S, T>(
  db: DataSource,
  start: (runner: QueryRunner) => Promise<S>,
  work: (tx: EntityManager, started: S) => Promise<T>,
): Promise<T> {
  const runner = db.createQueryRunner();
  try {
    const started = await start(runner);
    const result = await work(runner.manager, started);
    if (runner.isTransactionActive) await runner.commitTransaction();
    return result;
  } catch (error) {
    // A COMMIT that failed ended the transaction too: the ROLLBACK then only draws a warning.
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

/**
 * Sends `outgoing` (each read back by its owner) and the transaction's COMMIT in one message:
 * one round trip fewer, and the rows they lock are released as soon as they are done, not a
 * round trip to the app later. When one fails, the rest and the COMMIT do not run and the
 * transaction stays open, aborted, for `transactionEndingInWork` to roll back (the failure is
 * its owner's error for it: `Outgoing.refusal`). Only in a transaction of
 * `transactionEndingInWork`, not in a nested one.
 */
export function queryAndCommit<T extends unknown[]>(
  tx: EntityManager,
  outgoing: { [K in keyof T]: Outgoing<T[K]> },
): Promise<T> {
  return sendAndCommit(tx, outgoing);
}

/** `queryAndCommit` after the statements `before` (the transaction's BEGIN). */
async function sendAndCommit<T extends unknown[]>(
  tx: EntityManager,
  outgoing: { [K in keyof T]: Outgoing<T[K]> },
  before: Statement[] = [],
): Promise<T> {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive || depthOf(runner) !== 1) {
    throw new Error('queryAndCommit ends an outermost transaction');
  }
  await runner.broadcaster.broadcast('BeforeTransactionCommit');
  const client = (await runner.connect()) as PoolClient;
  const results = await sendAll<T>(client, outgoing, { before, after: [COMMIT] });
  setState(runner, { isTransactionActive: false, transactionDepth: 0 });
  // What TypeORM's own commit announces (the outbox wakes its relays on it).
  await runner.broadcaster.broadcast('AfterTransactionCommit');
  return results;
}

/**
 * TypeORM keeps a transaction's state on its query runner and changes it only in its own
 * `startTransaction` and `commitTransaction`; the BEGIN and COMMIT sent here change it as those
 * would (typeorm 0.3, pinned).
 */
interface TransactionState {
  isTransactionActive: boolean;
  transactionDepth: number;
}

function depthOf(runner: QueryRunner): number {
  return (runner as unknown as TransactionState).transactionDepth;
}

function setState(runner: QueryRunner, state: TransactionState): void {
  Object.assign(runner as unknown as TransactionState, state);
}
