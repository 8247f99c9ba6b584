import { join } from 'node:path';
import { writeFileAtomic } from '../../common/files/atomic-write';
import type { JobName, QUEUES } from '../queues/queue-names';

/**
 * What happens to a message whose send attempt ended without knowing whether the server took
 * it (a worker killed inside the SMTP exchange, a connection broken after DATA):
 * - `at-least-once`: it is sent again, with the same Message-ID, so the recipient gets it
 *   once or (rarely) twice, and a duplicate is recognisable (many providers drop it);
 * - `at-most-once`: it is not sent again; the event is closed as `failed` "outcome unknown".
 * Either way the attempt is counted (`mail_log.unknown_outcomes`, the
 * `mail_unknown_outcomes_total` metric) and logged at error level.
 */
export type DeliveryGuarantee = 'at-least-once' | 'at-most-once';

/**
 * The guarantee of each mail job (a new mail job must choose: a missing entry does not
 * compile). At-least-once wherever losing the message hurts; at-most-once only for the
 * merchant's low-stock hint: it is advisory, the live stock is in the merchant's dashboard,
 * and the next crossing of the threshold sends another, while repeats of it are noise.
 */
export const MAIL_DELIVERY: Record<JobName<typeof QUEUES.mail>, DeliveryGuarantee> = {
  'verify-email': 'at-least-once',
  'password-reset': 'at-least-once',
  'order-confirmation': 'at-least-once',
  'payment-instructions': 'at-least-once',
  'order-status': 'at-least-once',
  'refund-issued': 'at-least-once',
  'low-stock': 'at-most-once',
};

/**
 * The Message-ID of an event: the same for every attempt of it (so a copy sent again after an
 * unknown outcome is recognisably the same message), unique across events. `from` is the
 * MAIL_FROM address, whose domain names the sender.
 */
export function messageIdFor(eventKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'localhost';
  return `<${eventKey.replace(/[^A-Za-z0-9._-]/g, '_')}@${domain}>`;
}

/** What a failed send tells us about the message. */
export type SendFailure =
  /** The server answered with a refusal, or was never reached: it did not take the message. */
  | 'not-accepted'
  /** The connection broke during the session: the server may have taken it. */
  | 'unknown';

interface TransportError {
  code?: string;
  responseCode?: number;
  syscall?: string;
  message?: string;
}

// A connection that broke or went silent: if it happened after the final "." of DATA, the
// server may have accepted the message without us hearing its answer.
const SESSION_BROKEN_CODES = new Set([
  'ESOCKET',
  'ETIMEDOUT',
  'ECONNECTION',
  'ECONNRESET',
  'EPIPE',
]);
const CONNECT_FAILURES = /^(Connection timeout|Greeting never received)/;

/**
 * Sorts a send error into "the server did not take the message" (safe to send again) and "the
 * outcome is unknown" (sending again could deliver it twice). An SMTP error reply is a refusal;
 * a failure to connect, a template error or a message nodemailer refused locally never reached
 * a server. A connection that closed or timed out during the session is unknown: it could have
 * broken after the server accepted the data.
 */
export function classifySendFailure(error: unknown): SendFailure {
  const e = (error ?? {}) as TransportError;
  if (typeof e.responseCode === 'number' && e.responseCode >= 400) return 'not-accepted';
  if (e.syscall === 'connect' || e.syscall === 'getaddrinfo') return 'not-accepted';
  if (e.code === 'ETIMEDOUT' && CONNECT_FAILURES.test(e.message ?? '')) return 'not-accepted';
  if (e.code && SESSION_BROKEN_CODES.has(e.code)) return 'unknown';
  return 'not-accepted';
}

export class EmlWriteError extends Error {
  constructor(cause: unknown) {
    super(`Could not write the .eml file: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'EmlWriteError';
  }
}

/** A file name from an event key: one file per event, so a repeated write replaces it. */
export function emlFileName(eventKey: string): string {
  return `${eventKey.replace(/[^A-Za-z0-9._-]/g, '_')}.eml`;
}

/**
 * Writes a rendered message to `dir/<event key>.eml` atomically (`writeFileAtomic`), so a reader
 * never sees half a message and a crash leaves no partial file.
 */
export async function writeEml(dir: string, eventKey: string, message: Buffer): Promise<string> {
  const path = join(dir, emlFileName(eventKey));
  try {
    await writeFileAtomic(path, message);
    return path;
  } catch (error) {
    throw new EmlWriteError(error);
  }
}
