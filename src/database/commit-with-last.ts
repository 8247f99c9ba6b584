import type { PoolClient, QueryResult } from 'pg';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';

/**
 * Runs `work` in a transaction, as `DataSource.transaction` does, except that `work` may end it
 * itself with its last statement (`queryAndCommit`): then no COMMIT follows. Rolled back when
 * `work` fails before that.
 */
export async function transactionEndingInWork<T>(
  db: DataSource,
  work: (tx: EntityManager) => Promise<T>,
): Promise<T> {
  const runner = db.createQueryRunner();
  try {
    await runner.startTransaction();
    const result = await work(runner.manager);
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
 * Sends `sql` (one statement without parameters) and the transaction's COMMIT in one message:
 * one round trip fewer, and the rows the statement locks are released as soon as it is done,
 * not a round trip to the app later. When the statement fails, the COMMIT is not run and the
 * transaction stays open, aborted, for `transactionEndingInWork` to roll back. Answers the
 * statement's rows. Only in a transaction of `transactionEndingInWork`, not in a nested one.
 */
export async function queryAndCommit<T>(tx: EntityManager, sql: string): Promise<T[]> {
  const runner = tx.queryRunner;
  if (!runner?.isTransactionActive || depthOf(runner) !== 1) {
    throw new Error('queryAndCommit ends an outermost transaction');
  }
  await runner.broadcaster.broadcast('BeforeTransactionCommit');
  const client = (await runner.connect()) as PoolClient;
  // A string of two statements is sent as one simple-protocol message: PostgreSQL runs them in
  // order and stops at the first that fails.
  const results = (await client.query(`${sql};\nCOMMIT`)) as unknown as QueryResult[];
  markCommitted(runner);
  // What TypeORM's own commit announces (the outbox wakes its relays on it).
  await runner.broadcaster.broadcast('AfterTransactionCommit');
  return results[0].rows as T[];
}

/**
 * TypeORM keeps a transaction's state on its query runner and changes it only in its own
 * `commitTransaction`; the COMMIT sent here ends it as that would (typeorm 0.3, pinned).
 */
interface TransactionState {
  isTransactionActive: boolean;
  transactionDepth: number;
}

function depthOf(runner: QueryRunner): number {
  return (runner as unknown as TransactionState).transactionDepth;
}

function markCommitted(runner: QueryRunner): void {
  const state = runner as unknown as TransactionState;
  state.isTransactionActive = false;
  state.transactionDepth = 0;
}
