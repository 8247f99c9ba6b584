import { ModuleMetadata, Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { AppModule } from '../../src/app.module';
import { appConfig } from '../../src/config';
import type { AppConfig } from '../../src/config';
import { configureApi, createFastifyAdapter } from '../../src/http';

export interface TestAppOptions {
  /** Extra modules mounted beside the app's own (test-only routes). */
  imports?: ModuleMetadata['imports'];
  /** Replace config namespaces or providers: `[token, value]` pairs. */
  overrides?: [string | symbol | Type, unknown][];
}

/** The real API (all modules, real PostgreSQL and Redis), configured as main.ts does. */
export async function createTestApp(options: TestAppOptions = {}): Promise<NestFastifyApplication> {
  let builder: TestingModuleBuilder = Test.createTestingModule({
    imports: [AppModule.forRoot({ runWorkers: false }), ...(options.imports ?? [])],
  });
  for (const [token, value] of options.overrides ?? []) {
    builder = builder.overrideProvider(token).useValue(value);
  }
  const moduleRef = await builder.compile();
  const config = moduleRef.get<AppConfig>(appConfig.KEY);
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    createFastifyAdapter(config),
    { bufferLogs: true, rawBody: true },
  );
  await configureApi(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
