import { createHash } from 'node:crypto';
import { escapeLiteral } from 'pg';
import { field, PayloadOf, PayloadSchema } from './job-payload';

/**
 * Queue names, job names and payloads: the one contract between producers (who write outbox
 * rows) and processors. Payloads carry ids, never copies of the data; a processor reads the
 * current rows. Every message is built by `jobMessages`, which also fixes its deterministic
 * Bull job id: the same event always gets the same id, so relaying a row twice (or writing
 * the same event twice) still makes one job.
 */
// The queue names live in config (WORKER_QUEUES is validated against them).
import { QUEUES, QUEUE_NAMES, type QueueName } from '../../config/queues';
export { QUEUES, QUEUE_NAMES, type QueueName };

export const JOBS = {
  invoices: {
    /** Issue the order's invoice (once), then queue the confirmation e-mail. */
    invoice: 'invoice',
    /** Issue the credit note of one refund, for its amount (once). */
    creditNote: 'credit-note',
  },
  payments: {
    /** Carry out a requested refund through the order's provider, then settle it (once). */
    refund: 'refund',
  },
  mail: {
    verifyEmail: 'verify-email',
    passwordReset: 'password-reset',
    orderConfirmation: 'order-confirmation',
    /** At placement: the order is received, here is how to pay (and by when). */
    paymentInstructions: 'payment-instructions',
    orderStatus: 'order-status',
    /** A refund was made: amount, reason, and the credit note when there is one. */
    refundIssued: 'refund-issued',
    lowStock: 'low-stock',
  },
} as const;

/** Order statuses that send the buyer an e-mail. */
export const ORDER_MAIL_STATUSES = ['shipped', 'cancelled', 'expired'] as const;
export type OrderMailStatus = (typeof ORDER_MAIL_STATUSES)[number];

/**
 * THE JOB CONTRACT: one entry per job, `<queue>:<job name>` → its payload's fields. The types
 * below derive from it, every processor validates a job's data against it before its handler
 * runs (see JobRunner), and each queue's handler table must name every job of its queue (a
 * missing handler is a compile error, and a worker refuses to start without it).
 *
 * Adding a job: an entry here (and its name in JOBS, its builder in `jobMessages`), then its
 * handler in the queue's handler table.
 */
export const JOB_CONTRACT = {
  'invoices:invoice': { orderId: field.uuid },
  'invoices:credit-note': { orderId: field.uuid, refundId: field.uuid },
  'payments:refund': { refundId: field.uuid },
  /** The token is the plain single-use value for the link (stored hashed elsewhere). */
  'mail:verify-email': { userId: field.uuid, token: field.text },
  'mail:password-reset': { userId: field.uuid, token: field.text },
  'mail:order-confirmation': { orderId: field.uuid },
  'mail:payment-instructions': { orderId: field.uuid },
  'mail:refund-issued': { orderId: field.uuid, refundId: field.uuid },
  'mail:order-status': {
    orderId: field.uuid,
    historyId: field.serialId,
    status: field.oneOf(ORDER_MAIL_STATUSES),
  },
  'mail:low-stock': { variantId: field.uuid, stock: field.int, threshold: field.int },
} as const satisfies Record<`${QueueName}:${string}`, PayloadSchema>;

/** Payload per `<queue>:<job name>`. */
export type JobPayloads = {
  [K in keyof typeof JOB_CONTRACT]: PayloadOf<(typeof JOB_CONTRACT)[K]>;
};

export type JobKey = keyof JobPayloads;
type Split<K> = K extends `${infer Q}:${infer N}` ? { queue: Q; name: N } : never;

/** The job names of queue `Q` (of every queue when `Q` is not given). */
export type JobName<Q extends QueueName = QueueName> = Extract<Split<JobKey>, { queue: Q }>['name'];

/** One job to run: what the outbox stores and the relay hands to Bull. */
export type JobMessage = {
  [K in JobKey]: Split<K> & { jobId: string; payload: JobPayloads[K] };
}[JobKey];

/** The job names the contract gives `queue`. */
export function jobNamesOf(queue: QueueName): string[] {
  return Object.keys(JOB_CONTRACT)
    .filter((key) => key.startsWith(`${queue}:`))
    .map((key) => key.slice(queue.length + 1));
}

/** The payload schema of `queue`'s job `name`, or undefined when the contract has no such job. */
export function payloadSchemaOf(queue: string, name: string): PayloadSchema | undefined {
  const key = `${queue}:${name}`;
  return Object.hasOwn(JOB_CONTRACT, key) ? JOB_CONTRACT[key as JobKey] : undefined;
}

export type JobPayload<K extends JobKey> = JobPayloads[K];

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

// Bull 4 accepts ':' in ids, BullMQ does not; '.' keeps a later move open.
const id = (...parts: (string | number)[]) => parts.join('.');

/** The only way to build a job message (and its deterministic id). */
export const jobMessages = {
  invoice: (orderId: string): JobMessage => ({
    queue: QUEUES.invoices,
    name: JOBS.invoices.invoice,
    jobId: id('invoice', orderId),
    payload: { orderId },
  }),
  creditNote: (orderId: string, refundId: string): JobMessage => ({
    queue: QUEUES.invoices,
    name: JOBS.invoices.creditNote,
    jobId: id('credit-note', refundId),
    payload: { orderId, refundId },
  }),
  refund: (refundId: string): JobMessage => ({
    queue: QUEUES.payments,
    name: JOBS.payments.refund,
    jobId: id('refund', refundId),
    payload: { refundId },
  }),
  /** One message per token issued (the id holds a digest of the token, never the token). */
  verifyEmail: (userId: string, token: string): JobMessage => ({
    queue: QUEUES.mail,
    name: JOBS.mail.verifyEmail,
    jobId: id('mail', 'verify-email', digest(token)),
    payload: { userId, token },
  }),
  passwordReset: (userId: string, token: string): JobMessage => ({
    queue: QUEUES.mail,
    name: JOBS.mail.passwordReset,
    jobId: id('mail', 'password-reset', digest(token)),
    payload: { userId, token },
  }),
  orderConfirmation: (orderId: string): JobMessage => ({
    queue: QUEUES.mail,
    name: JOBS.mail.orderConfirmation,
    jobId: id('mail', 'order-confirmation', orderId),
    payload: { orderId },
  }),
  paymentInstructions: (orderId: string): JobMessage => ({
    queue: QUEUES.mail,
    name: JOBS.mail.paymentInstructions,
    jobId: id('mail', 'payment-instructions', orderId),
    payload: { orderId },
  }),
  refundMail: (orderId: string, refundId: string): JobMessage => ({
    queue: QUEUES.mail,
    name: JOBS.mail.refundIssued,
    jobId: id('mail', 'refund-issued', refundId),
    payload: { orderId, refundId },
  }),
  /** `historyId` is the `order_status_history` row of the transition. */
  orderStatus: (orderId: string, historyId: string, status: OrderMailStatus): JobMessage => ({
    queue: QUEUES.mail,
    name: JOBS.mail.orderStatus,
    jobId: id('mail', 'order-status', historyId),
    payload: { orderId, historyId, status },
  }),
  /** `eventId` names the crossing (e.g. the stock movement that crossed the threshold). */
  lowStock: (variantId: string, eventId: string, stock: number, threshold: number): JobMessage => ({
    queue: QUEUES.mail,
    name: JOBS.mail.lowStock,
    jobId: id('mail', 'low-stock', eventId),
    payload: { variantId, stock, threshold },
  }),
};

/**
 * Job messages built in SQL, for a statement that works out their fields itself (the stock
 * change finds its low-stock crossings under its row locks): each a SELECT of `queue`, `name`,
 * `job_id` and `payload`, rows as `jobMessages` builds them (for `OutboxService.inserting`).
 */
export const jobMessageRows = {
  /**
   * One message per row of `crossings` (`variant_id`, `movement_id`, `stock`, `threshold`):
   * `jobMessages.lowStock(variant_id, 'movement-' + movement_id, stock, threshold)`.
   */
  lowStock: (crossings: string): string => {
    const m = jobMessages.lowStock('', 'movement-', 0, 0);
    return `SELECT ${escapeLiteral(m.queue)} AS queue, ${escapeLiteral(m.name)} AS name,
                   ${escapeLiteral(m.jobId)} || c.movement_id AS job_id,
                   jsonb_build_object('variantId', c.variant_id, 'stock', c.stock,
                                      'threshold', c.threshold) AS payload
              FROM ${crossings} c`;
  },
};
