import { Module, RequestMethod } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { RoutedRequest } from './common/http/request-id';
import { allConfigs, appConfig, AppConfig, databaseConfig, DatabaseConfig } from './config';
import { typeormOptions } from './database/typeorm-options';
import { OutboxModule } from './modules/queues/outbox.module';
import { QueueRootModule } from './modules/queues/queue-root.module';
import { RedisModule } from './redis/redis.module';

/** Secrets and personal data that must never reach a log line. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-cart-id"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
];

const withRoute = (req: RoutedRequest, _res: unknown, line: object) => ({
  ...line,
  route: req.route,
});

/** What every process (API, worker, CLI) shares: config, logs, database, Redis, queues. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs, cache: true }),
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: AppConfig) => ({
        forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        pinoHttp: {
          level: app.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          // The id comes from Fastify (see requestIdFor), which stores it on the raw request.
          customAttributeKeys: { reqId: 'requestId' },
          autoLogging: {
            ignore: (req) => req.url === '/health' || req.url === '/metrics',
          },
          // The route pattern, known once Fastify has routed (after this line's bindings).
          customSuccessObject: withRoute,
          customErrorObject: withRoute,
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({
              id: req.id,
              method: req.method,
              url: req.url?.split('?')[0],
            }),
            // One short line per request: the status, not the ~20 response headers.
            res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
          },
        },
      }),
    }),
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (db: DatabaseConfig) => ({ ...typeormOptions(db), retryAttempts: 2 }),
    }),
    EventEmitterModule.forRoot(),
    RedisModule,
    QueueRootModule,
    OutboxModule,
  ],
  exports: [QueueRootModule],
})
export class CoreModule {}
