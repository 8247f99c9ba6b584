import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError } from '../errors/domain-errors';
import { isConcurrencyFailure, isUnreachableError } from './unreachable';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';
const TYPE_BASE = '/problems/';
/** `Retry-After` (seconds) of a 503 that names no other: a dependency is expected back soon. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

interface FastifyLikeError {
  statusCode?: number;
  status?: number;
  code?: string;
  message?: string;
}

/** Fastify's own errors (body parsing, limits) that reach us before any Nest handler. */
interface KnownError {
  status: number;
  type: string;
  title: string;
  detail: string;
  /** How to recognise it by message once Nest has wrapped it. */
  match?: RegExp;
}

function toKnownProblem(known: KnownError): Problem {
  return {
    type: TYPE_BASE + known.type,
    title: known.title,
    status: known.status,
    detail: known.detail,
  };
}

const FASTIFY_ERRORS: Record<string, KnownError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    type: 'malformed-json',
    title: 'Malformed JSON',
    detail: 'The request body is not valid JSON.',
    match: /not valid JSON/i,
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    type: 'malformed-json',
    title: 'Malformed JSON',
    detail: 'The request declares a JSON body but sends none.',
    match: /empty/i,
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    type: 'payload-too-large',
    title: 'Payload too large',
    detail: 'The request body is larger than this server accepts.',
    match: /too large/i,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    type: 'unsupported-media-type',
    title: 'Unsupported media type',
    detail: 'The request body has a content type this route does not accept.',
    match: /media type/i,
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    type: 'bad-request',
    title: 'Bad request',
    detail: 'The Content-Length header does not match the body.',
  },
  FST_REQ_FILE_TOO_LARGE: {
    status: 413,
    type: 'payload-too-large',
    title: 'Payload too large',
    detail: 'The uploaded file is larger than this route accepts.',
  },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    status: 415,
    type: 'unsupported-media-type',
    title: 'Unsupported media type',
    detail: 'This route expects a multipart/form-data body.',
  },
};

function slugForStatus(status: number): string {
  return (STATUS_CODES[status] ?? 'error').toLowerCase().replace(/[^a-z0-9]+/g, '-');
}

/** A 503: nothing wrong with the request, send it again after `retryAfter` seconds. */
function unavailable(detail: string, retryAfter: number): Problem {
  return {
    type: TYPE_BASE + 'service-unavailable',
    title: 'Service unavailable',
    status: HttpStatus.SERVICE_UNAVAILABLE,
    detail,
    retryAfter,
  };
}

/**
 * Turns anything thrown while handling a request into a problem document. A dependency that
 * could not be reached, or a transaction PostgreSQL failed for concurrent ones, is a 503
 * (`retryAfter` seconds); other unknown errors become a 500 that reveals nothing about the
 * server; the caller logs the original.
 */
export function toProblem(error: unknown): Problem {
  if (error instanceof DomainError) {
    return {
      ...error.extensions,
      type: TYPE_BASE + error.type,
      title: error.title,
      status: error.status,
      detail: error.message,
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const message =
      typeof body === 'string'
        ? body
        : typeof body === 'object' && body !== null && 'message' in body
          ? body.message
          : error.message;
    // Nest hands Fastify's own errors (malformed JSON, body limit) over as HttpExceptions.
    const fastifyError = Object.values(FASTIFY_ERRORS).find(
      (known) => known.status === status && known.match?.test(String(message)),
    );
    if (fastifyError) return toKnownProblem(fastifyError);
    return {
      type: TYPE_BASE + slugForStatus(status),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail: Array.isArray(message) ? message.join('; ') : String(message),
    };
  }
  const known = error as FastifyLikeError;
  if (known && typeof known === 'object') {
    const byCode = typeof known.code === 'string' ? FASTIFY_ERRORS[known.code] : undefined;
    if (byCode) return toKnownProblem(byCode);
    // Client errors raised by Fastify plugins (e.g. @fastify/static refusing a path).
    const status = known.statusCode ?? known.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return {
        type: TYPE_BASE + slugForStatus(status),
        title: STATUS_CODES[status] ?? 'Error',
        status,
        detail: STATUS_CODES[status] ?? 'Bad request',
      };
    }
  }
  // A transaction failed for concurrent ones (a deadlock's victim) and was rolled back.
  if (isConcurrencyFailure(error)) {
    return unavailable(
      'This request met concurrent ones and nothing was changed; send it again.',
      1,
    );
  }
  // PostgreSQL or Redis unreachable (or gone mid-request): nothing wrong with the request.
  if (isUnreachableError(error)) {
    return unavailable(
      'A service this request needs is briefly unreachable; try again shortly.',
      DEFAULT_RETRY_AFTER_SECONDS,
    );
  }
  return {
    type: TYPE_BASE + 'internal-error',
    title: 'Internal server error',
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    detail: 'An unexpected error occurred. Quote the request id when you report it.',
  };
}
