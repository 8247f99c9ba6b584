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

/**
 * A writing statement (`INSERT`/`UPDATE` … `RETURNING`), or a read, that its owning module hands
 * to another, to be run in one round trip with others (`runTogether`). `$1`… number its own `params`
 * (every `$` followed by digits is taken for one: no such text in its literals).
 */
export interface StatementPart {
  sql: string;
  params: unknown[];
}

/**
 * Runs statements of several owners as the parts of one statement (`WITH p0 AS (…), p1 AS (…)
 * SELECT …`): one round trip instead of one each, all or nothing. Every part sees the database
 * as the statement found it, so no part may depend on another's writes, and two parts must not
 * change the same row. Each part needs a `RETURNING` list; its rows come back as JSON values
 * (a bigint id as a number), one array per part, in order.
 */
export async function runTogether(
  runner: DataSource | EntityManager,
  parts: StatementPart[],
): Promise<Record<string, unknown>[][]> {
  if (parts.length === 0) return [];
  const params: unknown[] = [];
  const named = parts.map((part, i) => {
    const offset = params.length;
    params.push(...part.params);
    const sql = part.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    return `p${i} AS (${sql})`;
  });
  const results = parts.map(
    (_, i) => `(SELECT coalesce(json_agg(p${i}), '[]') FROM p${i}) AS p${i}`,
  );
  const [row] = await runner.query<Record<string, Record<string, unknown>[]>[]>(
    `WITH ${named.join(',\n')}\nSELECT ${results.join(', ')}`,
    params,
  );
  return parts.map((_, i) => row[`p${i}`]);
}

/** Runs one part on its own: a statement of its own needs no `WITH` around it. */
export async function runPart(
  runner: DataSource | EntityManager,
  part: StatementPart,
): Promise<void> {
  await runner.query(part.sql, part.params);
}

const statementNames = new Map<string, string>();

/**
 * The SQL texts run as named statements so far in this process. PostgreSQL plans a named
 * statement for its parameters' values five times, then may settle on one generic plan for
 * any value; the plan check (`test/prepared-plans.e2e-spec.ts`) reads these to make sure each
 * generic plan still finds rows by index on a large catalog.
 */
export function preparedStatementTexts(): string[] {
  return [...statementNames.keys()];
}

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
