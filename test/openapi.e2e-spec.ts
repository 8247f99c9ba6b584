import SwaggerParser from '@apidevtools/swagger-parser';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serializeOpenApi } from '../src/openapi';
import { createTestApp } from './support/test-app';

describe('the OpenAPI document', () => {
  let app: NestFastifyApplication;
  let served: Record<string, unknown>;

  beforeAll(async () => {
    app = await createTestApp();
    const res = await app.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    served = res.json();
  });
  afterAll(() => app.close());

  it('is a valid OpenAPI 3 document with bearer auth', async () => {
    expect(served.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(served) as never)).resolves.toBeDefined();
    expect(served).toHaveProperty('components.securitySchemes.bearer.scheme', 'bearer');
  });

  it('matches the committed openapi.json (run `npm run openapi` after changing routes)', () => {
    const committed = readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8');
    expect(serializeOpenApi(served)).toBe(committed);
  });
});
