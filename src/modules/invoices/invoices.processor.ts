import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { storageConfig, StorageConfig } from '../../config';
import { JobRunner, QueueHandlers } from '../queues/job-runner';
import { QUEUES } from '../queues/queue-names';
import { sweepStaleTemps } from './invoice-files';
import { InvoicesService } from './invoices.service';

/**
 * The `invoices` queue's handler table (run by JobRunner, `WORKER_CONCURRENCY` jobs at once in
 * this process). Both job kinds are idempotent (see InvoicesService): a job run twice, or twice
 * at once, is harmless; a job whose order does not exist fails once and is not retried.
 */
@Injectable()
export class InvoicesProcessor implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(InvoicesProcessor.name);

  readonly handlers: QueueHandlers<typeof QUEUES.invoices> = {
    // The job id names the PDF writes, so a retry removes what a killed attempt left.
    invoice: ({ orderId }, job) => this.invoices.issueInvoice(orderId, String(job.id)),
    'credit-note': ({ orderId, refundId }, job) =>
      this.invoices.issueCreditNote(orderId, refundId, String(job.id)),
  };

  constructor(
    private readonly runner: JobRunner,
    @Inject(storageConfig.KEY) private readonly storage: StorageConfig,
    private readonly invoices: InvoicesService,
  ) {}

  onModuleInit(): void {
    this.runner.register(QUEUES.invoices, this.handlers);
  }

  onApplicationBootstrap(): void {
    if (!this.runner.consumes(QUEUES.invoices)) return;
    // Temp files of writes cut short by a crash (an hour old: never another worker's write).
    sweepStaleTemps(this.storage.invoiceDir, 60 * 60 * 1000)
      .then((n) => n && this.logger.log(`Removed ${n} stale temporary invoice file(s)`))
      .catch((error: Error) => this.logger.warn(`temp file sweep: ${error.message}`));
  }
}
