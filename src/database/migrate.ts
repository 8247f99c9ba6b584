import 'reflect-metadata';
import { loadDatabaseConfig } from '../config/database.config';
import { loadDotEnv } from '../config/dotenv';
import { exitOnStartFailure } from '../start-failure';
import { runMigrations } from './ensure-database';

/** One line per outcome, for humans and deploy logs. */
export function describeMigrations(ran: string[]): string {
  if (!ran.length) return 'Database schema is up to date (no pending migrations).';
  const noun = ran.length === 1 ? 'migration' : 'migrations';
  return `${ran.length} ${noun} applied: ${ran.join(', ')}`;
}

/** `npm run migration:run` (and `node dist/database/migrate.js` in production images). */
async function main(): Promise<void> {
  loadDotEnv();
  const ran = await runMigrations(loadDatabaseConfig());
  process.stdout.write(describeMigrations(ran) + '\n');
}

if (require.main === module) main().catch(exitOnStartFailure('Migrations failed'));
