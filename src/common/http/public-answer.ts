import { Negotiator } from '@fastify/accept-negotiator';
import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { setNewest } from '../collections/set-newest';

/** A content coding a public answer may be sent in, besides none. */
type Coding = 'br' | 'gzip';

/** One form of a public answer's bytes, with the strong ETag of that form (RFC 9110 §8.8.3.3). */
interface Representation {
  body: Buffer;
  etag: string;
  /** The content coding of `body`; none for the JSON itself. */
  coding?: Coding;
}

/**
 * A public answer (the same bytes for every client) serialised once, with its strong ETag: the
 * catalog cache keeps these, so a cached read sends stored bytes and a conditional request is
 * answered 304 without building or serialising anything.
 */
export interface PublicAnswer extends Representation {
  /** UTF-8 JSON, encoded once rather than on every send. */
  body: Buffer;
  /**
   * Compressed forms, each made on the first request that accepts its coding. Only an answer
   * that is kept and sent again (a cached entry's) is compressed: compressing an answer built
   * for one request would cost more CPU than it saves.
   */
  coded?: Partial<Record<Coding, Representation>>;
}

/**
 * Fit for a CDN or browser: reuse for a few seconds, then revalidate (a 304 when unchanged);
 * a stale copy may be shown for a little longer while that happens.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=5, stale-while-revalidate=30';

/** Below this, a compressed body saves less than its headers cost. */
const MIN_COMPRESSED_BYTES = 1024;

/** Brotli first (a 20 kB listing: 4.0 kB at quality 6 in 0.17 ms, once), then gzip. */
const COMPRESS: Record<Coding, (body: Buffer) => Buffer> = {
  br: (body) =>
    brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 6,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
  gzip: (body) => gzipSync(body, { level: 6 }),
};

/** The distinct `Accept-Encoding` values seen lately (clients send few) and their choice. */
const choices = new Map<string, string>();
const codings = new Negotiator<Coding | 'identity'>({
  supportedValues: ['br', 'gzip', 'identity'],
  cache: {
    get: (header) => choices.get(header),
    has: (header) => choices.has(header),
    set(header, choice) {
      setNewest(choices, header, choice, 100);
      return this;
    },
  },
});

export function toPublicAnswer(value: unknown, { compressible = true } = {}): PublicAnswer {
  const body = Buffer.from(JSON.stringify(value));
  const digest = createHash('sha1').update(body).digest('base64url').slice(0, 27);
  const etag = `"${digest}"`;
  return compressible && body.length >= MIN_COMPRESSED_BYTES
    ? { body, etag, coded: {} }
    : { body, etag };
}

/** RFC 9110 §13.1.2: `*` or any listed tag, compared weakly (a `W/` prefix is ignored). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return (t.startsWith('W/') ? t.slice(2) : t) === etag;
  });
}

/**
 * The form of `answer` to send for a request's `Accept-Encoding` (RFC 9110 §12.5.3: the
 * client's preference by `q`, brotli before gzip when it is equal), and its coding.
 */
export function representationFor(
  answer: PublicAnswer,
  acceptEncoding: string | undefined,
): Representation {
  const coded = answer.coded;
  if (!coded || !acceptEncoding) return answer;
  const coding = codings.negotiate(acceptEncoding);
  if (coding !== 'br' && coding !== 'gzip') return answer;
  return (coded[coding] ??= {
    body: COMPRESS[coding](answer.body),
    etag: `${answer.etag.slice(0, -1)}-${coding}"`,
    coding,
  });
}

/**
 * Sets the answer's ETag, Cache-Control and `Vary` and returns its bytes to send, compressed
 * when the request accepts it; or, when the request's `If-None-Match` holds the ETag of the
 * form it would get, sets 304 and returns an empty body.
 */
export function sendPublic(reply: FastifyReply, answer: PublicAnswer): Buffer | string {
  const { headers } = reply.request;
  const sent = representationFor(answer, headers['accept-encoding']);
  const vary = reply.getHeader('vary');
  void reply.headers({
    etag: sent.etag,
    'cache-control': PUBLIC_CACHE_CONTROL,
    vary: vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding',
  });
  if (etagMatches(headers['if-none-match'], sent.etag)) {
    void reply.code(304);
    return '';
  }
  void reply.header('content-type', 'application/json; charset=utf-8');
  if (sent.coding) void reply.header('content-encoding', sent.coding);
  return sent.body;
}
