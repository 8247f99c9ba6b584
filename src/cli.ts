import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliModule } from './cli/cli.module';
import { loadDotEnv } from './config/dotenv';

/** Operator commands: `npm run cli -- <command> [options]`, e.g. `user:create --help`. */
async function main(): Promise<void> {
  loadDotEnv();
  await CommandFactory.run(CliModule, {
    logger: ['error', 'warn', 'log'],
    errorHandler: (error) => {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(1);
    },
    serviceErrorHandler: (error) => {
      process.stderr.write(`error: ${error.message}\n`);
      process.exit(1);
    },
  });
}

void main();
