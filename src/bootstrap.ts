import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { loadAppConfig } from './config/app.config';
import { configureApi, createFastifyAdapter } from './http';
import { createServer } from 'node:net';
import { limitHeapGrowth } from './common/runtime/heap-growth';

/** Fails before anything starts (relay, workers) when another process holds the port. */
export async function assertPortFree(port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} is already in use (PORT): stop the other process or set another PORT.`,
            )
          : error,
      ),
    );
    probe.listen(port, '0.0.0.0', () => probe.close(() => resolve()));
  });
}

/** Creates, configures and starts the API; returns once it listens. */
export async function startApi(): Promise<NestFastifyApplication> {
  limitHeapGrowth();
  const config = loadAppConfig();
  await assertPortFree(config.port);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ runWorkers: config.runWorkers }),
    createFastifyAdapter(config),
    // req.rawBody for webhook signatures (Nest parses JSON from a buffer anyway).
    { bufferLogs: true, rawBody: true },
  );
  await configureApi(app, config);
  await app.listen(config.port, '0.0.0.0');
  new Logger('Bootstrap').log(
    `API listening on http://localhost:${config.port} (docs at /docs, workers in process: ${config.runWorkers})`,
  );
  return app;
}
