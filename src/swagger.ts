import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type {
  OperationObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { version } from '../package.json';
import type { AppConfig } from './config';
import type { NodeEnv } from './config/validate-env';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Shop API')
    .setDescription(
      'REST API of the shop backend. Errors are RFC 9457 problem details ' +
        '(`application/problem+json`). Money is in integer minor units of the store currency.',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
    .build();
  return withProblemResponses(SwaggerModule.createDocument(app, config));
}

/** RFC 9457: the body of every error answer that does not declare its own. */
const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string', example: '/problems/validation-failed' },
    title: { type: 'string', example: 'Your request is not valid' },
    status: { type: 'integer', example: 400 },
    detail: { type: 'string' },
    instance: { type: 'string', example: '/api/v1/users/me' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Per-field problems (400 validation only)',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

function withProblemResponses(document: OpenAPIObject): OpenAPIObject {
  document.components = document.components ?? {};
  document.components.schemas = { ...document.components.schemas, Problem: PROBLEM_SCHEMA };
  for (const pathItem of Object.values(document.paths)) {
    for (const operation of Object.values(pathItem) as OperationObject[]) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const answer = response as ResponseObject;
        if (Number(status) >= 400 && !answer.content) {
          answer.content = {
            'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
          };
        }
      }
    }
  }
  return document;
}

/**
 * Swagger UI options. `persistAuthorization` keeps the bearer token in the browser's
 * localStorage, where any script of the origin can read it: a convenience for development only.
 */
export function swaggerUiOptions(env: NodeEnv): { persistAuthorization: boolean } {
  return { persistAuthorization: env !== 'production' };
}

/** Swagger UI at /docs, the OpenAPI 3 document at /docs-json (unless DOCS_ENABLED=false). */
export function setupSwagger(app: INestApplication, config: AppConfig): void {
  if (!config.docsEnabled) return;
  SwaggerModule.setup('docs', app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Shop API',
    swaggerOptions: swaggerUiOptions(config.env),
  });
}
