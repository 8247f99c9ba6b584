import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { QueueRegistry } from './queue-registry';

/**
 * Shutdown of every process (API, worker, CLI): before anything closes (database, Redis),
 * every queue stops taking jobs and waits for the jobs in hand to finish (nothing to wait for
 * where no processor runs), then closes. @nestjs/bull only
 * closes the queues in `onApplicationShutdown`, the same phase in which TypeORM and the Redis
 * factory close their connections, so a job could lose its database mid-way; this runs one
 * phase earlier.
 */
@Injectable()
export class QueueDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(QueueDrain.name);

  constructor(private readonly queues: QueueRegistry) {}

  async beforeApplicationShutdown(): Promise<void> {
    const started = Date.now();
    const released = await Promise.all(this.queues.all().map((queue) => this.drain(queue)));
    const orphans = released.reduce((sum, n) => sum + n, 0);
    this.logger.log(
      `Queues drained and closed in ${Date.now() - started} ms` +
        (orphans ? `; released ${orphans} prefetched job(s) for another worker` : ''),
    );
  }

  private async drain(queue: Queue): Promise<number> {
    // Stop fetching and wait for the jobs in hand (a local pause).
    await queue.pause(true);
    // Bull fetches the next job in the same call that completes one; when that call was under
    // way as the pause began, the fetched job is active and locked by this process but never
    // started. Release those locks (a lock only this queue's token can release), so the next
    // stalled check anywhere hands them to a worker at once instead of after the lock expires.
    let released = 0;
    for (const job of await queue.getActive()) {
      try {
        await job.releaseLock();
        released++;
      } catch {
        // Locked by another worker (or already finished): not ours to release.
      }
    }
    await queue.close();
    return released;
  }
}
