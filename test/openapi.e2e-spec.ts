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

  it('describes every API operation, its body errors and its problem answers', () => {
    const gaps: string[] = [];
    const paths = served.paths as Record<string, Record<string, Record<string, unknown>>>;
    for (const [path, item] of Object.entries(paths)) {
      if (!path.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        const responses = op.responses as Record<string, { content?: object }>;
        if (!(op.summary as string | undefined)?.length) gaps.push(`${where}: no summary`);
        if (op.requestBody && !responses['400']) gaps.push(`${where}: body without a 400`);
        if (!Object.keys(responses).some((s) => Number(s) < 300)) gaps.push(`${where}: no 2xx`);
        for (const [status, answer] of Object.entries(responses)) {
          if (Number(status) >= 400 && !answer.content)
            gaps.push(`${where}: ${status} without a body`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });
});
