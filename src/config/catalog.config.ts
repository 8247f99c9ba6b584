import { registerAs } from '@nestjs/config';
import { IsInt, Max, Min } from 'class-validator';
import { validateEnv } from './validate-env';

class CatalogEnv {
  /**
   * How long a public listing page or product stays in the API's memory (ms); 0 disables it.
   * Every catalog write invalidates it at once; stock alone may lag by at most this long.
   * Concurrent reads of one page share a query even at 0 (CatalogCache, SharedLoads).
   */
  @IsInt()
  @Min(0)
  @Max(10000)
  CATALOG_CACHE_TTL_MS: number = 3000;
}

export interface CatalogConfig {
  cacheTtlMs: number;
}

export function loadCatalogConfig(source: NodeJS.ProcessEnv = process.env): CatalogConfig {
  const raw = validateEnv(CatalogEnv, source);
  return { cacheTtlMs: raw.CATALOG_CACHE_TTL_MS };
}

export const catalogConfig = registerAs('catalog', () => loadCatalogConfig());
