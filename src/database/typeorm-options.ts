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
      // Named statements (`preparedQuery`) are planned once per connection, for any values.
      // By default PostgreSQL re-plans one for its values each time it guesses that is
      // cheaper: the cart's pricing was re-planned on every request (PostgreSQL CPU per cart
      // read 0.86 ms, 0.48 with this). Every named statement is written so that its generic
      // plan finds rows by index (`test/prepared-plans.e2e-spec.ts` checks the hot ones). The
      // setting holds for unnamed statements with parameters too: where the best plan depends
      // on a value, the value is written into the text (`literal` in sql.ts: a merchant's
      // order list's shop, a stock change's variants).
      options: '-c plan_cache_mode=force_generic_plan',
    },
  };
}
