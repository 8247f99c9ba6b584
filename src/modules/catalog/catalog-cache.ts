import { Inject, Injectable, Logger } from '@nestjs/common';
import { withTimeout } from '../../common/async/with-timeout';
import { SharedLoads } from '../../common/async/shared-loads';
import { setNewest } from '../../common/collections/set-newest';
import { PublicAnswer, toPublicAnswer } from '../../common/http/public-answer';
import { catalogConfig, CatalogConfig } from '../../config';
import { Redis, REDIS } from '../../redis/redis.module';

const VERSION_KEY = 'catalog:version';
const MAX_ENTRIES = 2000;
/** Longest wait for the version before a read goes to PostgreSQL without the cache. */
const VERSION_TIMEOUT_MS = 250;
const NO_ANSWER = `Redis did not answer within ${VERSION_TIMEOUT_MS} ms`;

interface Entry {
  version: string;
  expiresAt: number;
  value: unknown;
  /** The value serialised with its ETag, made on the first public read of the entry. */
  answer?: PublicAnswer;
}

/**
 * A small in-memory cache of public catalog reads (listing pages, published products), shared
 * correctness across API instances through one version counter in Redis:
 * - a read takes the current version BEFORE querying and stores its answer under it;
 * - every catalog write bumps the version AFTER its commit (`invalidate()`), so no instance
 *   serves an answer older than the write once the write has returned;
 * - entries also expire after CATALOG_CACHE_TTL_MS, which bounds how long stock (changed by
 *   orders and adjustments, which do not invalidate) may lag. Checkout reads stock itself.
 *
 * The version reads of concurrent requests are coalesced (SharedLoads with `gatherTurn`): a
 * GET is sent at the end of the event loop's turn (after its I/O callbacks), for every request
 * that asked in that turn, and while one GET is on the wire the requests arriving meanwhile wait for the next one, sent at
 * the end of the turn in which the first one answers. A request so never uses a version read
 * sent before it arrived, which keeps the guarantee above, and an instance under load sends
 * about one GET per Redis round trip instead of one per request (13 requests per GET in the
 * cached-listing bench, against 9 when the next GET left as soon as the first answered).
 *
 * The loads of concurrent reads of one key are shared too (SharedLoads): while one load of a
 * key is on the wire, the reads of that key arriving meanwhile wait for the next load, started
 * when the first settles, which each of them so still sees started after it asked. That holds
 * with the cache off (CATALOG_CACHE_TTL_MS=0 or Redis down), where such a load is shared and
 * stored nowhere, and on a miss, where only the misses that read the same version share a
 * load, and the next load first looks for what the one before it stored under that version (a
 * hit, by the rule above), so that concurrent misses of one entry cost one load, not one each.
 * (A miss that read a newer version must not take an entry stored under an older one: the
 * write that bumped it may have completed on another instance before the miss was asked.)
 *
 * Redis down: a read whose version cannot be read (Redis not connected, an error, no answer
 * within VERSION_TIMEOUT_MS) goes to PostgreSQL and neither uses nor fills the cache, and the
 * instance drops its entries (their freshness can no longer be checked). A write whose
 * version bump fails still succeeds (it has committed); the bump is retried before this
 * instance next uses its cache. Other instances that did not read during the outage keep
 * their entries at most CATALOG_CACHE_TTL_MS.
 */
@Injectable()
export class CatalogCache {
  private readonly logger = new Logger(CatalogCache.name);
  private readonly entries = new Map<string, Entry>();
  /** The key of the public entry that answered a GET of each URL (see `answerForUrl`). */
  private readonly keyOfUrl = new Map<string, string>();
  /** A write's version bump failed: do it before trusting the cache again. */
  private bumpOwed = false;
  private bypassing = false;
  /** The version GETs: one per turn's requests, the next after the one on the wire. */
  private readonly versionReads = new SharedLoads<string | undefined>({ gatherTurn: true });
  /** The loads of concurrent reads of one key, shared (see the class comment). */
  private readonly loads = new SharedLoads<Entry>();

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
    return (await this.entry(key, load, cacheable)).value as T;
  }

  /**
   * Like `read`, for an answer sent as is to anyone: the value serialised once per entry with
   * its ETag (see PublicAnswer); null when `load()` found nothing. `url`, the request's URL
   * (path and query as received), lets later GETs of that URL find the entry without being
   * parsed and validated again (`answerForUrl`).
   */
  async readPublic<T>(
    key: string,
    load: () => Promise<T | null>,
    url?: string,
  ): Promise<PublicAnswer | null> {
    const entry = await this.entry(key, load, () => true);
    if (entry.value === null) return null;
    const kept = this.entries.get(key) === entry;
    entry.answer ??= toPublicAnswer(entry.value, { compressible: kept });
    if (url !== undefined && kept) setNewest(this.keyOfUrl, url, key, MAX_ENTRIES);
    return entry.answer;
  }

  /**
   * The public answer a GET of `url` got last, when it is still current: stored under the
   * version read after this call (as `read` checks it) and not expired. Undefined otherwise,
   * and without a Redis round trip when no GET of `url` was answered from the cache before.
   */
  async answerForUrl(url: string): Promise<PublicAnswer | undefined> {
    const key = this.keyOfUrl.get(url);
    if (key === undefined) return undefined;
    const version = await this.currentVersion();
    // The entry `read` would use now: the same check, on the same entry.
    return version === undefined ? undefined : this.hit(key, version)?.answer;
  }

  /** The entry of `key` when it was stored under `version` and has not expired. */
  private hit(key: string, version: string): Entry | undefined {
    const entry = this.entries.get(key);
    return entry && entry.version === version && entry.expiresAt > Date.now() ? entry : undefined;
  }

  private async entry<T>(
    key: string,
    load: () => Promise<T>,
    cacheable: (value: T) => boolean,
  ): Promise<Entry> {
    const version = this.config.cacheTtlMs === 0 ? undefined : await this.currentVersion();
    if (version === undefined) {
      return this.loads.load(key, async () => ({ version: '', expiresAt: 0, value: await load() }));
    }
    const hit = this.hit(key, version);
    if (hit) return hit;
    // Shared only by the misses that read the same version (a version is digits, a key JSON).
    return this.loads.load(`${version} ${key}`, () => this.reload(key, version, load, cacheable));
  }

  /**
   * Loads `key` and stores it under `version`, read before this load started; unless the load
   * this one waited for (SharedLoads) stored it under that version meanwhile.
   */
  private async reload<T>(
    key: string,
    version: string,
    load: () => Promise<T>,
    cacheable: (value: T) => boolean,
  ): Promise<Entry> {
    const stored = this.hit(key, version);
    if (stored) return stored;
    const previous = this.entries.get(key);
    const value = await load();
    const expiresAt = Date.now() + this.config.cacheTtlMs;
    const answer = previous?.answer && value !== null ? toPublicAnswer(value) : undefined;
    if (
      previous &&
      answer &&
      answer.etag === previous.answer!.etag &&
      this.entries.get(key) === previous
    ) {
      // Reloaded unchanged: the entry stays and lives longer. Replacing it with an equal one
      // made garbage of a long-lived object (in V8's old space, freed only by a full
      // collection), one per entry every CATALOG_CACHE_TTL_MS: the API's heap swung with it.
      previous.version = version;
      previous.expiresAt = expiresAt;
      return previous;
    }
    const entry: Entry = { version, expiresAt, value, answer };
    if (cacheable(value)) {
      setNewest(this.entries, key, entry, MAX_ENTRIES);
    }
    return entry;
  }

  /** Call after a committed write that changes what a listing or product page shows. */
  async invalidate(): Promise<void> {
    this.clear();
    if (!(await this.bump())) this.bumpOwed = true;
  }

  private clear(): void {
    this.entries.clear();
    this.keyOfUrl.clear();
  }

  /**
   * The version, or undefined when it cannot be read now (the cache is then not used), from a
   * GET sent after this call (coalesced with the calls around it, see the class comment).
   */
  private currentVersion(): Promise<string | undefined> {
    return this.versionReads.load(VERSION_KEY, () => this.readVersion());
  }

  private async readVersion(): Promise<string | undefined> {
    if (this.redis.status !== 'ready' || (this.bumpOwed && !(await this.bump()))) {
      return this.bypass('Redis is not connected');
    }
    try {
      const version = await withTimeout(this.redis.get(VERSION_KEY), VERSION_TIMEOUT_MS, NO_ANSWER);
      if (this.bypassing) {
        this.bypassing = false;
        this.logger.log('Catalog cache in use again');
      }
      return version ?? '0';
    } catch (error) {
      return this.bypass((error as Error).message);
    }
  }

  private bypass(reason: string): undefined {
    this.clear();
    if (!this.bypassing) {
      this.bypassing = true;
      this.logger.warn(`Catalog cache bypassed (reads go to PostgreSQL): ${reason}`);
    }
    return undefined;
  }

  private async bump(): Promise<boolean> {
    try {
      await withTimeout(this.redis.incr(VERSION_KEY), VERSION_TIMEOUT_MS, NO_ANSWER);
      this.bumpOwed = false;
      return true;
    } catch (error) {
      this.logger.warn(`Catalog cache version bump failed: ${(error as Error).message}`);
      return false;
    }
  }
}
