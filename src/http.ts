import fastifyCors from '@fastify/cors';
import fastifyMultipart from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { mkdir } from 'node:fs/promises';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AppConfig, mailConfig, MailConfig, storageConfig, StorageConfig } from './config';
import { registerEmailLinkPages } from './common/http/email-link-pages';
import { MAX_UPLOAD_BYTES, UPLOADS_URL_PREFIX } from './common/uploads/image-storage.service';
import { ProblemDetailsFilter } from './common/http/problem-details.filter';
import { REQUEST_ID_HEADER, requestIdFor } from './common/http/request-id';
import { registerRequestLog } from './common/http/request-log';
import { createValidationPipe } from './common/http/validation.pipe';
import { API_SECURITY_HEADERS, securityHeaders } from './common/http/security-headers';
import { MAX_JSON_DEPTH, nestedDeeperThan } from './common/http/json-depth';
import { PROBLEM_CONTENT_TYPE, toProblem } from './common/http/problem-details';
import { BadRequestError } from './common/errors/domain-errors';
import { MetricsServer } from './modules/metrics/metrics-server';
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
    // Errors of Fastify's router (a malformed URL, a path segment past its length limit) as
    // the same problem documents as every other error.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const problem = toProblem(error);
      void reply
        .code(problem.status)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send({ ...problem, instance: request.url.split('?')[0], requestId: request.id });
    },
  });
}

/** Everything an API instance needs beyond its modules; shared by main.ts and the tests. */
export async function configureApi(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  app.setGlobalPrefix(API_PREFIX, { exclude: UNPREFIXED_ROUTES });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());

  const fastify = app.getHttpAdapter().getInstance();
  // @fastify/cors on Fastify itself, its hook first of ours: Nest's `enableCors` runs the same
  // plugin from a hook of its own that then copies its headers onto the raw response, for Nest
  // middleware to see (there is none here); that copy was 15 % of a `GET /health`.
  await fastify.register(fastifyCors, {
    origin: config.corsOrigins,
    // Every method the API has (the plugin's default is GET, HEAD and POST only: a storefront
    // on another origin could not change or empty its cart), and a preflight kept ten minutes.
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
    credentials: true,
    exposedHeaders: ['X-Request-Id', 'X-Cart-Id', 'Retry-After', 'Idempotent-Replayed'],
  });
  registerRequestLog(fastify);
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
  const documentHeaders = securityHeaders();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  // Refused before Nest's validation pipe, which recurses into the body. The per-request hooks
  // take a callback rather than return a promise: a promise each per request was measurable.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (!nestedDeeperThan(request.body)) {
      done();
      return;
    }
    const problem = toProblem(
      new BadRequestError(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels.`),
    );
    void reply
      .code(problem.status)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send({ ...problem, instance: request.url.split('?')[0], requestId: request.id });
  });
  // Security headers when the answer is known (every answer passes here, errors and answers
  // sent from hooks included): helmet's for documents, the API's for the rest.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    void reply.headers(isDocument(request, reply) ? documentHeaders : API_SECURITY_HEADERS);
    if (request.url.startsWith(UPLOADS_URL_PREFIX)) {
      // Every stored image was re-encoded by us; still, a browser opening one directly must
      // never run it as a document, and a storefront on another origin may show it.
      void reply.headers({
        'x-content-type-options': 'nosniff',
        'content-security-policy': UPLOAD_CSP,
        'cross-origin-resource-policy': 'cross-origin',
      });
    }
    if (!reply.hasHeader('cache-control') && isPersonal(request)) {
      void reply.header('cache-control', 'no-store');
    }
    done(null, payload);
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

  if (app.get<MailConfig>(mailConfig.KEY).linksToApi) registerEmailLinkPages(fastify, API_PREFIX);

  setupSwagger(app, config);
  await app.get(MetricsServer).listen();
  // On a signal: close, then exit 0 through process.exit, whose 'exit' event has pino write out
  // the log lines it still holds (a process killed by the signal again, Nest's default, lost
  // the last ones).
  app.enableShutdownHooks([], { useProcessExit: true });
}

const UPLOAD_CSP = "default-src 'none'; sandbox";

/**
 * The apps a browser runs from their own pages (Swagger UI, the queue dashboard): every answer
 * under them (pages, scripts, their JSON) is treated as a document.
 */
const BROWSER_APPS = /^\/(docs|admin\/queues)(\/|$|\?)/;

/** An HTML answer, or any under a browser app: helmet's headers instead of the API's. */
function isDocument(request: FastifyRequest, reply: FastifyReply): boolean {
  const type = reply.getHeader('content-type');
  return (
    (typeof type === 'string' && type.startsWith('text/html')) || BROWSER_APPS.test(request.url)
  );
}

const PERSONAL_PATHS =
  /^\/(api\/v1\/(users\/me|cart|orders|checkout|auth|admin|merchant)|admin)(\/|$|\?)/;

/**
 * Answers no shared cache (nor the browser's) may keep: anything asked with credentials or a
 * cart id, and the personal and admin routes whatever the outcome.
 */
function isPersonal(request: FastifyRequest): boolean {
  const h = request.headers;
  return !!(h.authorization || h.cookie || h['x-cart-id']) || PERSONAL_PATHS.test(request.url);
}
