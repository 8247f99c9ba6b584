/**
 * Recognises an error that says a dependency (PostgreSQL, Redis) could not be reached or
 * dropped the connection, as opposed to one that it answered with. Such a request could not be
 * served right now and may succeed later: a 503 with `Retry-After`, never a 500.
 */

/** Socket-level failures of a connection (to connect, or while it was open). */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs of a server that cannot serve now: class 08 (connection exception),
 * shutting down or starting up (57P01-57P03), too many connections (53300).
 */
const PG_UNAVAILABLE = /^(08\w{3}|57P0[123]|53300)$/;

/** Messages of the pg driver and ioredis for a connection that is gone or never came. */
const DRIVER_MESSAGES = [
  /^Connection terminated/, // pg: the socket closed under a query (or while connecting)
  /timeout exceeded when trying to connect/, // pg-pool: no connection within the timeout
  /^Client has encountered a connection error and is not queryable/, // pg
  /^Connection is closed\.?$/, // ioredis
  /^Stream isn't writeable/, // ioredis without its offline queue
  /^Reached the max retries per request limit/, // ioredis (MaxRetriesPerRequestError)
];

interface ErrorLike {
  code?: unknown;
  /** A constraint violation's constraint (pg's DatabaseError). */
  constraint?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  driverError?: unknown;
}

export function isUnreachableError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  if (SOCKET_CODES.has(code) || PG_UNAVAILABLE.test(code)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  const message = typeof e.message === 'string' ? e.message : '';
  if (DRIVER_MESSAGES.some((pattern) => pattern.test(message))) return true;
  // TypeORM wraps the driver's error (`driverError`); others chain it as `cause`.
  return isUnreachableError(e.driverError, depth + 1) || isUnreachableError(e.cause, depth + 1);
}

/**
 * SQLSTATEs of a transaction PostgreSQL failed only because of concurrent ones: a deadlock's
 * victim (40P01) or a serialization failure (40001). Nothing it wrote was kept, and the same
 * request may succeed when sent again.
 */
const PG_CONCURRENCY_FAILURES = new Set(['40P01', '40001']);

export function isConcurrencyFailure(error: unknown): boolean {
  const code = driverErrorOf(error)?.code;
  return typeof code === 'string' && PG_CONCURRENCY_FAILURES.has(code);
}

/** PostgreSQL refused a write that would duplicate a unique key (23505): of `constraint`, if named. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = driverErrorOf(error);
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/** The driver's error: itself, or the one TypeORM's QueryFailedError carries. */
function driverErrorOf(error: unknown): ErrorLike | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const e = error as ErrorLike;
  return typeof e.code === 'string' ? e : (e.driverError as ErrorLike | undefined);
}
