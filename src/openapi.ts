import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { writeFileSync } from 'node:fs';
import { AppModule } from './app.module';
import { loadAppConfig } from './config/app.config';
import { API_PREFIX, createFastifyAdapter, UNPREFIXED_ROUTES } from './http';
import { buildOpenApiDocument } from './swagger';

/** Writes openapi.json from the route metadata; nothing is connected (preview mode). */
async function main(): Promise<void> {
  const config = loadAppConfig();
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ runWorkers: false }),
    createFastifyAdapter(config),
    { preview: true, logger: false },
  );
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  writeFileSync('openapi.json', serializeOpenApi(buildOpenApiDocument(app)));
  await app.close();
  process.stdout.write('Wrote openapi.json\n');
}

export function serializeOpenApi(document: object): string {
  return JSON.stringify(document, null, 2) + '\n';
}

if (require.main === module) void main();
