import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startApi } from './bootstrap';
import { loadDatabaseConfig } from './config/database.config';
import { loadDotEnv } from './config/dotenv';
import { ensureDatabase, runMigrations } from './database/ensure-database';
import { SeedModule } from './database/seed/seed.module';
import { formatSeedReport, SeedService } from './database/seed/seed.service';
import { CoreModule } from './core.module';
import { Module } from '@nestjs/common';

@Module({ imports: [CoreModule, SeedModule] })
class SeedRootModule {}

/**
 * `npm start`: the one-command local run. Creates the database if missing, runs pending
 * migrations, seeds demo data into an empty database (not in production), then serves the
 * API with the workers in the same process.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const database = loadDatabaseConfig();
  if (await ensureDatabase(database)) process.stdout.write('Created the database.\n');
  const ran = await runMigrations(database);
  if (ran.length) process.stdout.write(`Ran migrations: ${ran.join(', ')}\n`);

  const seeder = await NestFactory.createApplicationContext(SeedRootModule, { logger: false });
  const report = await seeder.get(SeedService).seedIfEmpty();
  await seeder.close();
  if (report.seeded) process.stdout.write(formatSeedReport(report) + '\n');

  await startApi();
}

main().catch((error: Error) => {
  process.stderr.write(`Start failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
