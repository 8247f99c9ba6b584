import { Command, CommandRunner, Option } from 'nest-commander';
import { QUEUE_NAMES } from '../modules/queues/queue-names';
import { QueueRegistry } from '../modules/queues/queue-registry';

interface Options {
  queue?: string;
}

const PAGE = 500;

/**
 * Puts the failed jobs of one queue back to waiting, so that a worker runs each once more
 * (e.g. after an SMTP outage outlasted the retries). Prints how many it re-queued.
 */
@Command({
  name: 'jobs:retry-failed',
  description: `Re-queue the failed jobs of a queue (${QUEUE_NAMES.join(', ')})`,
})
export class JobsRetryFailedCommand extends CommandRunner {
  constructor(private readonly queues: QueueRegistry) {
    super();
  }

  async run(_args: string[], options: Options): Promise<void> {
    if (!options.queue) throw new Error(`--queue is required: one of ${QUEUE_NAMES.join(', ')}`);
    const queue = this.queues.find(options.queue);
    if (!queue) {
      throw new Error(`unknown queue "${options.queue}": one of ${QUEUE_NAMES.join(', ')}`);
    }
    const seen = new Set<string>();
    let retried = 0;
    for (;;) {
      // Re-queued jobs leave the failed set, so the first page always holds the next ones.
      const page = (await queue.getFailed(0, PAGE - 1)).filter(
        (job) => job && !seen.has(String(job.id)),
      );
      if (page.length === 0) break;
      for (const job of page) {
        seen.add(String(job.id));
        try {
          await job.retry();
          retried++;
        } catch {
          // Retried or removed by someone else meanwhile: nothing to do.
        }
      }
    }
    process.stdout.write(`Re-queued ${retried} failed job(s) of queue "${queue.name}".\n`);
  }

  @Option({ flags: '--queue <name>', description: QUEUE_NAMES.join(' | '), required: true })
  parseQueue(value: string): string {
    return value;
  }
}
