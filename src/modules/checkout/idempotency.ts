import { createHash } from 'node:crypto';
import { BadRequestError } from '../../common/errors/domain-errors';

/** How long a checkout's Idempotency-Key is remembered; after that it may be used again. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

const KEY = /^[\x21-\x7e](?:[\x20-\x7e]{0,253}[\x21-\x7e])?$/;

/** The header's value when it is 1-255 printable ASCII characters; otherwise a 400. */
export function parseIdempotencyKey(value: string | undefined): string {
  if (value === undefined || value === '') {
    throw new BadRequestError('The Idempotency-Key header is required (any unique string).');
  }
  if (!KEY.test(value)) {
    throw new BadRequestError('Idempotency-Key must be 1-255 printable ASCII characters.');
  }
  return value;
}

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 (hex) of the canonical request body: the same body always hashes the same. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
