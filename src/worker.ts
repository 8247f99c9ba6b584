import 'reflect-metadata';
import { Logger, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { checkConfig } from './config';
import { loadDotEnv } from './config/dotenv';
import { exitOnStartFailure } from './start-failure';
import { WorkerModule } from './worker.module';

/**
 * Starts a worker on `root` (WorkerModule in production): consumes the queues; no HTTP.
 * SIGTERM lets the jobs in hand finish. A failed start (a dependency down, a consumed queue
 * with a job name that has no handler) prints why and exits 1.
 */
export function runWorker(root: Type = WorkerModule): void {
  loadDotEnv();
  const fail = exitOnStartFailure('Worker failed to start');
  try {
    checkConfig();
  } catch (error) {
    fail(error as Error);
  }
  start(root).catch(fail);
}

async function start(root: Type): Promise<void> {
  const app = await NestFactory.createApplicationContext(root, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM/SIGINT: the relay finishes its batch, the queues finish the jobs in hand (see
  // QueueDrain), connections close, then the process exits 0.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  new Logger('Worker').log('Worker started');
}

if (require.main === module) runWorker();
