import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdir } from 'node:fs/promises';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppConfig, storageConfig, StorageConfig } from './config';
import { MAX_UPLOAD_BYTES, UPLOADS_URL_PREFIX } from './common/uploads/image-storage.service';
import { ProblemDetailsFilter } from './common/http/problem-details.filter';
import { REQUEST_ID_HEADER, requestIdFor } from './common/http/request-id';
import { createValidationPipe } from './common/http/validation.pipe';
import { MetricsService } from './modules/metrics/metrics.service';
import { setupSwagger } from './swagger';

export const API_PREFIX = 'api/v1';
/** Operations routes live outside the API prefix. */
export const UNPREFIXED_ROUTES = [
  'health',
  'health/ready',
  'metrics',
  // Bull Board (a Fastify plugin) and its session routes.
  'admin/queues',
  'admin/queues/login',
  'admin/queues/logout',
];

export function createFastifyAdapter(config: AppConfig): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.bodyLimit,
    genReqId: requestIdFor,
    requestIdHeader: false,
    trustProxy: config.trustProxy,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    logger: false,
  });
}

/** Everything an API instance needs beyond its modules; shared by main.ts and the tests. */
export async function configureApi(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.enableCors({
    origin: config.corsOrigins,
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'X-Cart-Id', 'Retry-After', 'Idempotent-Replayed'],
  });

  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(fastifyHelmet, {
    // Swagger UI at /docs runs an inline bootstrap script and inline styles.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
  });

  await fastify.register(fastifyMultipart, {
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 11 },
  });
  // Uploaded images (avatars, product images) under server-generated names.
  const storage = app.get<StorageConfig>(storageConfig.KEY);
  await mkdir(storage.uploadDir, { recursive: true });
  await fastify.register(fastifyStatic, {
    root: storage.uploadDir,
    prefix: UPLOADS_URL_PREFIX,
    decorateReply: false,
    index: false,
    dotfiles: 'deny',
    maxAge: '7d',
    immutable: true,
  });

  const metrics = app.get(MetricsService);
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.observeHttp(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  setupSwagger(app);
  app.enableShutdownHooks();
}
