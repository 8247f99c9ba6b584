import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Max, Min } from 'class-validator';
import { nodeEnv, NodeEnv, parseBoolean, validateEnv } from './validate-env';

class AppEnv {
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** Comma-separated allow-list of origins; empty means no cross-origin access. */
  @IsString()
  CORS_ORIGINS: string = 'http://localhost:3000,http://localhost:5173';

  @IsInt()
  @Min(1024)
  BODY_LIMIT: number = 1_048_576;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  @Transform(({ value }) => parseBoolean(value))
  @IsBoolean()
  RUN_WORKERS: boolean | string = '';

  @Transform(({ value }) => parseBoolean(value))
  @IsBoolean()
  TRUST_PROXY: boolean | string = false;

  /** Swagger UI at /docs and the document at /docs-json. */
  @Transform(({ value }) => parseBoolean(value))
  @IsBoolean()
  DOCS_ENABLED: boolean | string = true;
}

export interface AppConfig {
  env: NodeEnv;
  port: number;
  corsOrigins: string[];
  bodyLimit: number;
  logLevel: string;
  runWorkers: boolean;
  trustProxy: boolean;
  docsEnabled: boolean;
}

export function loadAppConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = nodeEnv(source);
  const raw = validateEnv(AppEnv, {
    ...source,
    RUN_WORKERS: source.RUN_WORKERS || String(env !== 'production'),
  });
  return {
    env,
    port: raw.PORT,
    corsOrigins: raw.CORS_ORIGINS.split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    bodyLimit: raw.BODY_LIMIT,
    logLevel: raw.LOG_LEVEL,
    runWorkers: raw.RUN_WORKERS === true,
    trustProxy: raw.TRUST_PROXY === true,
    docsEnabled: raw.DOCS_ENABLED === true,
  };
}

export const appConfig = registerAs('app', () => loadAppConfig());
