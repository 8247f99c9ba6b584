import { getQueueToken } from '@nestjs/bull';
import { Provider } from '@nestjs/common';
import type { Queue } from 'bull';
import { QUEUE_NAMES, QueueName } from './queue-names';

/** The Bull queue of each name in the job contract, for code that works across queues. */
export class QueueRegistry {
  private readonly queues: ReadonlyMap<QueueName, Queue>;

  constructor(queues: Queue[]) {
    this.queues = new Map(queues.map((queue) => [queue.name as QueueName, queue]));
  }

  /** The queue called `name`, or undefined when the contract has no such queue. */
  find(name: string): Queue | undefined {
    return this.queues.get(name as QueueName);
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }
}

export const queueRegistryProvider: Provider = {
  provide: QueueRegistry,
  inject: QUEUE_NAMES.map((name) => getQueueToken(name)),
  useFactory: (...queues: Queue[]) => new QueueRegistry(queues),
};
