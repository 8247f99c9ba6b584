import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { isUUID } from 'class-validator';
import { queueConfig, QueueConfig, storageConfig, StorageConfig } from '../../config';
import { JobPayload, JOBS, QUEUES } from '../queues/queue-names';
import { sweepStaleTemps } from './invoice-files';
import { InvoicesService, IssueOutcome } from './invoices.service';

type OrderJob = Job<JobPayload<'invoices:invoice'> | JobPayload<'invoices:credit-note'>>;

/**
 * Consumes the `invoices` queue, `WORKER_CONCURRENCY` jobs at once in this process. Both job
 * kinds are idempotent (see InvoicesService): a job run twice, or twice at once, is harmless.
 */
@Injectable()
export class InvoicesProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(InvoicesProcessor.name);

  constructor(
    @InjectQueue(QUEUES.invoices) private readonly queue: Queue,
    @Inject(queueConfig.KEY) private readonly config: QueueConfig,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    private readonly invoices: InvoicesService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workerQueues.includes(QUEUES.invoices)) return;
    // One handler for every job name, so WORKER_CONCURRENCY bounds the whole queue (Bull adds
    // up the concurrency of named handlers). `process` resolves only when the queue closes.
    this.queue
      .process('*', this.config.concurrency, (job: OrderJob) => this.run(job))
      .catch((error: Error) => this.logger.error(`invoices processing stopped: ${error.message}`));
    // Temp files of writes cut short by a crash (an hour old: never another worker's write).
    sweepStaleTemps(this.storage.invoiceDir, 60 * 60 * 1000)
      .then((n) => n && this.logger.log(`Removed ${n} stale temporary invoice file(s)`))
      .catch((error: Error) => this.logger.warn(`temp file sweep: ${error.message}`));
  }

  private async run(job: OrderJob): Promise<IssueOutcome> {
    const { orderId } = job.data;
    if (!isUUID(orderId)) return this.refuse(job, 'invalid orderId');
    switch (job.name) {
      case JOBS.invoices.invoice:
        return this.invoices.issueInvoice(orderId);
      case JOBS.invoices.creditNote: {
        const { refundId } = job.data as JobPayload<'invoices:credit-note'>;
        if (!isUUID(refundId)) return this.refuse(job, 'invalid refundId');
        return this.invoices.issueCreditNote(orderId, refundId);
      }
      default:
        return this.refuse(job, `unknown job name "${job.name}"`);
    }
  }

  /** A malformed job never gets better: fail it once, keep it for inspection. */
  private async refuse(job: OrderJob, reason: string): Promise<never> {
    await job.discard();
    throw new Error(`${reason} in job ${String(job.id)}`);
  }
}
