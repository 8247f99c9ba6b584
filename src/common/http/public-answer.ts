import type { FastifyReply } from 'fastify';
import { createHash } from 'node:crypto';

/**
 * A public answer (the same bytes for every client) serialised once, with its strong ETag: the
 * catalog cache keeps these, so a cached read sends stored bytes and a conditional request is
 * answered 304 without building or serialising anything.
 */
export interface PublicAnswer {
  /** UTF-8 JSON, encoded once rather than on every send. */
  body: Buffer;
  etag: string;
}

/**
 * Fit for a CDN or browser: reuse for a few seconds, then revalidate (a 304 when unchanged);
 * a stale copy may be shown for a little longer while that happens.
 */
export const PUBLIC_CACHE_CONTROL = 'public, max-age=5, stale-while-revalidate=30';

export function toPublicAnswer(value: unknown): PublicAnswer {
  const body = Buffer.from(JSON.stringify(value));
  const digest = createHash('sha1').update(body).digest('base64url').slice(0, 27);
  return { body, etag: `"${digest}"` };
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
 * Sets the answer's ETag and Cache-Control and returns its bytes to send, or, when the
 * client's `If-None-Match` holds its ETag, sets 304 and returns an empty body.
 */
export function sendPublic(
  reply: FastifyReply,
  ifNoneMatch: string | undefined,
  answer: PublicAnswer,
): Buffer | string {
  void reply.headers({ etag: answer.etag, 'cache-control': PUBLIC_CACHE_CONTROL });
  if (etagMatches(ifNoneMatch, answer.etag)) {
    void reply.code(304);
    return '';
  }
  void reply.header('content-type', 'application/json; charset=utf-8');
  return answer.body;
}
