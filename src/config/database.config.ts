import { registerAs } from '@nestjs/config';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env';

class DatabaseEnv {
  @Matches(/^postgres(ql)?:\/\/.+\/[^/?]+/, {
    message: 'must be a postgres:// URL that names a database',
  })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/shop';

  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE: number = 20;
}

export interface DatabaseConfig {
  url: string;
  poolSize: number;
}

export function loadDatabaseConfig(source: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const raw = validateEnv(DatabaseEnv, source);
  return { url: raw.DATABASE_URL, poolSize: raw.DATABASE_POOL_SIZE };
}

export const databaseConfig = registerAs('database', () => loadDatabaseConfig());
