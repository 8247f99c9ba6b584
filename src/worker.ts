import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { loadDotEnv } from './config/dotenv';
import { WorkerModule } from './worker.module';

/** Worker entry: consumes the queues; no HTTP. SIGTERM lets the jobs in hand finish. */
async function main(): Promise<void> {
  loadDotEnv();
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // SIGTERM/SIGINT: the relay finishes its batch, the queues finish the jobs in hand (see
  // QueueDrain), connections close, then the process exits 0.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  new Logger('Worker').log('Worker started');
}

main().catch((error: Error) => {
  process.stderr.write(`Worker failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
