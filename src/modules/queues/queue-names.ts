/** Queue names, job names and payloads: the contract between producers and processors. */
export const QUEUES = {
  invoices: 'invoices',
  mail: 'mail',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const QUEUE_NAMES: QueueName[] = Object.values(QUEUES);
