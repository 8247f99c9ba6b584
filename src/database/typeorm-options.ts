import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { TypeOrmLogger } from './typeorm-logger';

/** One definition of the connection, shared by the app, the CLI and the migration tool. */
export function typeormOptions(config: DatabaseConfig): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.url,
    entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error', 'warn'],
    logger: new TypeOrmLogger(['error', 'warn']),
    extra: {
      max: config.poolSize,
      connectionTimeoutMillis: 5000,
      // Reads and writes never hang a request forever.
      statement_timeout: 15000,
    },
  };
}
