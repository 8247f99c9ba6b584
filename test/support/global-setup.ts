import { loadDatabaseConfig } from '../../src/config/database.config';
import { ensureDatabase, runMigrations } from '../../src/database/ensure-database';
import { makeTestRunEnv } from './test-env';

export default async function globalSetup(): Promise<void> {
  Object.assign(process.env, makeTestRunEnv(process.env));
  const database = loadDatabaseConfig();
  await ensureDatabase(database);
  await runMigrations(database);
}
