import 'reflect-metadata';
import type { LogLevel } from '@nestjs/common';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { checkConfig } from './config';
import { loadAppConfig } from './config/app.config';
import { loadDotEnv } from './config/dotenv';
import { exitOnStartFailure } from './start-failure';

/**
 * Nest's log levels for LOG_LEVEL. A command prints its result on stdout; Nest's own start-up
 * lines are `log` level, shown only from LOG_LEVEL=debug so they never bury the result.
 */
export function cliLogLevels(level: string): LogLevel[] {
  const levels: LogLevel[] = ['fatal', 'error'];
  if (['warn', 'info', 'debug', 'trace'].includes(level)) levels.push('warn');
  if (['debug', 'trace'].includes(level)) levels.push('log', 'debug');
  if (level === 'trace') levels.push('verbose');
  return levels;
}

function fail(error: Error & { exitCode?: number }): never {
  // Commander reports `--help` and `--version` as errors with exit code 0.
  if (error.exitCode === 0) process.exit(0);
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
}

/** Operator commands: `npm run cli -- <command> [options]`, e.g. `user:create --help`. */
async function main(): Promise<void> {
  loadDotEnv();
  checkConfig();
  await CommandFactory.run(CliModule, {
    logger: cliLogLevels(loadAppConfig().logLevel),
    errorHandler: fail,
    serviceErrorHandler: fail,
  });
}

main().catch(exitOnStartFailure('error'));
