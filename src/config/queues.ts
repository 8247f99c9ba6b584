/** The Bull queues (their jobs and payloads: src/modules/queues/queue-names.ts). */
export const QUEUES = {
  invoices: 'invoices',
  mail: 'mail',
  payments: 'payments',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const QUEUE_NAMES: QueueName[] = Object.values(QUEUES);
