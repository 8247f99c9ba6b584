import type { DataSource, EntityManager } from 'typeorm';

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
