import { createHash } from 'node:crypto';
import { escapeLiteral, type Pool, type PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { isUuidText } from '../common/text/uuid';
import type { Outgoing, Statement } from './pipeline';

/**
 * Values written into a statement's text instead of passed as parameters, checked first and
 * quoted by pg's `escapeLiteral`: the app's connections plan every statement with parameters
 * generically, unnamed ones included (`typeorm-options.ts`), so a statement whose best plan
 * depends on its values must carry them in its text to be planned for them (the merchant's
 * order list names its shop so).
 */
export const literal = {
  uuid(value: string): string {
    if (!isUuidText(value)) throw new Error(`Not a UUID: ${JSON.stringify(value)}`);
    return `${escapeLiteral(value)}::uuid`;
  },
};

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
 * Statements of several owners as the parts of one statement (`WITH p0 AS (…), p1 AS (…)
 * SELECT …`), a named one (prepared: `preparedQuery`): one round trip instead of one each, all
 * or nothing. Every part sees the database as the statement found it, so no part may depend on
 * another's writes, and two parts must not change the same row. Each part needs a `RETURNING`
 * list; its rows come back as JSON values (a bigint id as a number), one array per part, in
 * order. Run by `runTogether`, or sent with other statements (`sendAll`).
 */
export function together(parts: StatementPart[]): Outgoing<Record<string, unknown>[][]> {
  const params: unknown[] = [];
  const named = parts.map((part, i) => {
    const sql = shiftParams(part, params.length);
    params.push(...part.params);
    return `p${i} AS (${sql})`;
  });
  const results = parts.map(
    (_, i) => `(SELECT coalesce(json_agg(p${i}), '[]') FROM p${i}) AS p${i}`,
  );
  const text = `WITH ${named.join(',\n')}\nSELECT ${results.join(', ')}`;
  return {
    statement: { text, values: params, name: statementName(text) },
    read: ([row]) => parts.map((_, i) => row[`p${i}`] as Record<string, unknown>[]),
  };
}

/** Runs `together(parts)`. */
export async function runTogether(
  runner: DataSource | EntityManager,
  parts: StatementPart[],
): Promise<Record<string, unknown>[][]> {
  if (parts.length === 0) return [];
  return run(runner, together(parts));
}

/**
 * An owner's parts for another's statement (`runAllTogether`), with how to read what they
 * returned: `read` gets the rows of its own parts, in order.
 */
export interface StatementParts<T> {
  parts: StatementPart[];
  read(rows: Record<string, unknown>[][]): T;
}

/** `together` over several owners' parts, each reading back its own rows. */
export function allTogether<T extends unknown[]>(owners: {
  [K in keyof T]: StatementParts<T[K]>;
}): Outgoing<T> {
  const all = owners as StatementParts<unknown>[];
  const statement = together(all.flatMap((o) => o.parts));
  return {
    statement: statement.statement,
    read: (rows) => {
      const partRows = statement.read(rows);
      let next = 0;
      return all.map((o) => o.read(partRows.slice(next, (next += o.parts.length)))) as T;
    },
  };
}

/** Runs `allTogether(owners)`. */
export function runAllTogether<T extends unknown[]>(
  runner: DataSource | EntityManager,
  owners: { [K in keyof T]: StatementParts<T[K]> },
): Promise<T> {
  return run(runner, allTogether<T>(owners));
}

/**
 * Runs one statement to send (`Outgoing`) on its own, a named one as `preparedQuery`; a failure
 * is its owner's error for it, else PostgreSQL's.
 */
export async function run<T>(
  runner: DataSource | EntityManager,
  outgoing: Outgoing<T>,
): Promise<T> {
  const { text, values = [], name } = outgoing.statement;
  let rows: Record<string, unknown>[];
  try {
    rows = name
      ? await preparedQuery<Record<string, unknown>>(runner, text, [...values])
      : (await (await connectionOf(runner)).query<Record<string, unknown>>(text, [...values])).rows;
  } catch (error) {
    throw outgoing.refusal?.(error) ?? error;
  }
  return outgoing.read(rows);
}

/** A part's SQL for a statement where it follows `offset` parameters of others: `$1` is `$offset+1`. */
export function shiftParams(part: StatementPart, offset: number): string {
  return part.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
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
 * Runs a statement as a named (prepared) one: PostgreSQL parses each distinct SQL text once per
 * connection instead of on every request, and may settle on one generic plan for it (see
 * `preparedStatementTexts`). For hot statements whose parsing and planning cost as much as
 * their execution. On a transaction's manager it runs on the transaction's connection,
 * otherwise on TypeORM's pg pool. Rows as pg gives them (also for `UPDATE … RETURNING`).
 */
export async function preparedQuery<T>(
  runner: DataSource | EntityManager,
  text: string,
  values: unknown[],
): Promise<T[]> {
  const name = statementName(text);
  const result = await (await connectionOf(runner)).query({ name, text, values });
  return result.rows as T[];
}

/** `text` with its values as a named statement (see `preparedQuery`), to `run` or send with others. */
export function prepared(text: string, values: unknown[]): Statement {
  return { text, values, name: statementName(text) };
}

/** The name `text` is prepared under, the same in every process. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** The transaction's own connection for a transaction's manager, else the pool. */
async function connectionOf(runner: DataSource | EntityManager): Promise<Pool | PoolClient> {
  if (!(runner instanceof DataSource) && runner.queryRunner) {
    return (await runner.queryRunner.connect()) as PoolClient;
  }
  const dataSource = runner instanceof DataSource ? runner : runner.connection;
  return (dataSource.driver as PostgresDriver).master as Pool;
}
