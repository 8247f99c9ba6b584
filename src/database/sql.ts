import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs an `UPDATE … RETURNING` (or `DELETE … RETURNING`) and gives back its rows: TypeORM's
 * `query()` answers those statements with `[rows, rowCount]` instead of the rows.
 */
export async function updateReturning<T>(
  runner: DataSource | EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const [rows] = await runner.query<[T[], number]>(sql, params);
  return rows;
}

const statementNames = new Map<string, string>();

/**
 * Runs a read outside any transaction as a named (prepared) statement on TypeORM's pg pool:
 * PostgreSQL plans each distinct SQL text once per connection instead of on every request. For
 * hot reads whose planning costs as much as their execution. Inside a transaction, pass the
 * transaction's manager instead and this falls back to its `query()`.
 */
export async function preparedQuery<T>(
  runner: DataSource | EntityManager,
  text: string,
  values: unknown[],
): Promise<T[]> {
  if (!(runner instanceof DataSource) && runner.queryRunner) return runner.query(text, values);
  let name = statementNames.get(text);
  if (!name) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  const dataSource = runner instanceof DataSource ? runner : runner.connection;
  const pool = (dataSource.driver as PostgresDriver).master as Pool;
  const result = await pool.query({ name, text, values });
  return result.rows as T[];
}
