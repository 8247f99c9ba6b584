import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { loadAppConfig } from './config/app.config';
import { configureApi, createFastifyAdapter } from './http';

/** Creates, configures and starts the API; returns once it listens. */
export async function startApi(): Promise<NestFastifyApplication> {
  const config = loadAppConfig();
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
