import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { QueueRegistry } from './queue-registry';

/**
 * Shutdown of a process that runs processors: before anything closes (database, Redis),
 * every queue stops taking jobs and waits for the jobs in hand to finish (Bull's `close()`
 * pauses locally and waits for them). @nestjs/bull only closes the queues in
 * `onApplicationShutdown`, the same phase in which TypeORM and the Redis factory close their
 * connections, so a job could lose its database mid-way; this runs one phase earlier.
 */
@Injectable()
export class QueueDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueDrain.name);

  constructor(private readonly queues: QueueRegistry) {}

  async beforeApplicationShutdown(): Promise<void> {
    const started = Date.now();
    await Promise.all(this.queues.all().map((queue) => queue.close()));
    this.logger.log(`Queues drained and closed in ${Date.now() - started} ms`);
  }
}
