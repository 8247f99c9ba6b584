import { Inject, Injectable } from '@nestjs/common';
import { catalogConfig, CatalogConfig } from '../../config';
import { Redis, REDIS } from '../../redis/redis.module';

const VERSION_KEY = 'catalog:version';
const MAX_ENTRIES = 2000;

interface Entry {
  version: string;
  expiresAt: number;
  value: unknown;
}

/**
 * A small in-memory cache of public catalog reads (listing pages, published products), shared
 * correctness across API instances through one version counter in Redis:
 * - a read takes the current version BEFORE querying and stores its answer under it;
 * - every catalog write bumps the version AFTER its commit (`invalidate()`), so no instance
 *   serves an answer older than the write once the write has returned;
 * - entries also expire after CATALOG_CACHE_TTL_MS, which bounds how long stock (changed by
 *   orders and adjustments, which do not invalidate) may lag. Checkout reads stock itself.
 */
@Injectable()
export class CatalogCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(catalogConfig.KEY) private readonly config: CatalogConfig,
  ) {}

  /** The cached answer for `key`, or `load()`'s, cached under the version read before it. */
  async read<T>(
    key: string,
    load: () => Promise<T>,
    cacheable: (value: T) => boolean = () => true,
  ): Promise<T> {
    if (this.config.cacheTtlMs === 0) return load();
    const version = (await this.redis.get(VERSION_KEY)) ?? '0';
    const hit = this.entries.get(key);
    if (hit && hit.version === version && hit.expiresAt > Date.now()) return hit.value as T;
    const value = await load();
    if (cacheable(value)) {
      if (this.entries.size >= MAX_ENTRIES) {
        this.entries.delete(this.entries.keys().next().value as string);
      }
      this.entries.delete(key);
      this.entries.set(key, { version, expiresAt: Date.now() + this.config.cacheTtlMs, value });
    }
    return value;
  }

  /** Call after a committed write that changes what a listing or product page shows. */
  async invalidate(): Promise<void> {
    this.entries.clear();
    await this.redis.incr(VERSION_KEY);
  }
}
