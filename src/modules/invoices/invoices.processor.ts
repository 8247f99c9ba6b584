import { InjectQueue } from '@nestjs/bull';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { isUUID } from 'class-validator';
import { queueConfig, QueueConfig } from '../../config';
import { JobPayload, JOBS, QUEUES } from '../queues/queue-names';
import { InvoicesService, IssueOutcome } from './invoices.service';

type OrderJob = Job<JobPayload<'invoices:invoice'> | JobPayload<'invoices:credit-note'>>;

/**
 * Consumes the `invoices` queue: one handler per job name, each running `WORKER_CONCURRENCY`
 * jobs at once in this process. Both handlers are idempotent (see InvoicesService).
 */
@Injectable()
export class InvoicesProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InvoicesProcessor.name);

  constructor(
    @InjectQueue(QUEUES.invoices) private readonly queue: Queue,
    @Inject(queueConfig.KEY) private readonly config: QueueConfig,
    private readonly invoices: InvoicesService,
  ) {}

  onApplicationBootstrap(): void {
    const handlers: [string, (orderId: string) => Promise<IssueOutcome>][] = [
      [JOBS.invoices.invoice, (id) => this.invoices.issueInvoice(id)],
      [JOBS.invoices.creditNote, (id) => this.invoices.issueCreditNote(id)],
    ];
    for (const [name, handle] of handlers) {
      // `process` resolves only when the queue closes; errors of the loop itself are logged.
      this.queue
        .process(name, this.config.concurrency, (job: OrderJob) => this.run(job, handle))
        .catch((error: Error) => this.logger.error(`${name} processing stopped: ${error.message}`));
    }
  }

  /**
   * Stops taking jobs and waits for the ones in hand, while the Redis connections are still
   * open (they close in the later shutdown hooks). Closing twice is a no-op in Bull.
   */
  async onModuleDestroy(): Promise<void> {
    await this.queue.close();
  }

  private async run(
    job: OrderJob,
    handle: (orderId: string) => Promise<IssueOutcome>,
  ): Promise<IssueOutcome> {
    const { orderId } = job.data;
    if (!isUUID(orderId)) {
      // A malformed payload never gets better: fail it once, keep it for inspection.
      await job.discard();
      throw new Error(`invalid orderId in job ${String(job.id)}`);
    }
    return handle(orderId);
  }
}
