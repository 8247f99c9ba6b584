import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { startApi } from './bootstrap';
import { exitOnStartFailure } from './start-failure';
import { checkConfig } from './config';
import { loadDatabaseConfig } from './config/database.config';
import { loadDotEnv } from './config/dotenv';
import { ensureDatabase, runMigrations } from './database/ensure-database';
import { describeMigrations } from './database/migrate';
import { SeedModule } from './cli/seed/seed.module';
import { formatSeedReport, SeedService } from './cli/seed/seed.service';
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
  checkConfig();
  const database = loadDatabaseConfig();
  if (await ensureDatabase(database)) process.stdout.write('Created the database.\n');
  const ran = await runMigrations(database);
  if (ran.length) process.stdout.write(describeMigrations(ran) + '\n');

  const seeder = await NestFactory.createApplicationContext(SeedRootModule, {
    logger: false,
    abortOnError: false,
  });
  const report = await seeder.get(SeedService).seedIfEmpty();
  await seeder.close();
  if (report.seeded) process.stdout.write(formatSeedReport(report) + '\n');

  await startApi();
}

main().catch(exitOnStartFailure('Start failed'));
