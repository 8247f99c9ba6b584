import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import pino from 'pino';
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

let stdout: pino.DestinationStream | undefined;

/**
 * The process's stdout for log lines, shared by its apps. Lines are written off the event loop,
 * gathered up to 4 kB a write or for at most 100 ms: at load, a write per line cost a system
 * call each (17 % of a cached listing's CPU when blocking; still ~10 % of a 304's off the event
 * loop). Pino writes out what it holds when the process exits, a crash or a signal included
 * (the API and the worker exit through `process.exit`); only a SIGKILL can lose the lines of
 * the last 100 ms.
 */
function stdoutLines(): pino.DestinationStream {
  return (stdout ??= pino.destination({
    dest: 1,
    sync: false,
    minLength: 4096,
    periodicFlush: 100,
  }));
}

/** What every process (API, worker, CLI) shares: config, logs, database, Redis, queues. */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: allConfigs, cache: true }),
    LoggerModule.forRootAsync({
      inject: [appConfig.KEY],
      useFactory: (app: AppConfig) => ({
        // No middleware: the request line and the request's logger are Fastify hooks of their
        // own (common/http/request-log.ts); pino-http here only builds the root logger.
        forRoutes: [],
        pinoHttp: {
          level: app.logLevel,
          stream: stdoutLines(),
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          // pino-http's root logger serialises `req`/`res` as raw Node objects by default; the
          // request log writes them as plain objects already (common/http/request-log.ts).
          wrapSerializers: false,
          serializers: {
            req: ({ id, method, url }: { id: string; method: string; url: string }) => ({
              id,
              method,
              url,
            }),
            res: ({ statusCode }: { statusCode: number }) => ({ statusCode }),
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
