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
import { paymentConfig, PaymentConfig, queueConfig, QueueConfig } from '../../config';
import { JobPayload, JOBS, QUEUES } from '../queues/queue-names';
import { PaymentsService } from './payments.service';

/** A pending refund older than this is re-run by the sweep (its job failed for good). */
const STALE_REFUND_SECONDS = 15 * 60;

/**
 * Consumes the `payments` queue (refunds carried out through the provider) and runs the expiry
 * sweep every PAYMENT_EXPIRY_SWEEP_INTERVAL in each worker that consumes `payments`. The sweep
 * keeps no state of its own: what is due is read from the payments table each time, so a
 * restarted or SIGKILLed worker loses nothing (a transaction cut short rolls back and the
 * next pass, here or in another worker, does it), and the order lock with its status check
 * makes each order expire once however many workers sweep.
 */
@Injectable()
export class PaymentsProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PaymentsProcessor.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;

  constructor(
    @InjectQueue(QUEUES.payments) private readonly queue: Queue,
    @Inject(queueConfig.KEY) private readonly config: QueueConfig,
    @Inject(paymentConfig.KEY) private readonly payment: PaymentConfig,
    private readonly payments: PaymentsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workerQueues.includes(QUEUES.payments)) return;
    this.queue
      .process('*', this.config.concurrency, (job: Job<JobPayload<'payments:refund'>>) =>
        this.run(job),
      )
      .catch((error: Error) => this.logger.error(`payments processing stopped: ${error.message}`));
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  private async run(job: Job<JobPayload<'payments:refund'>>): Promise<string> {
    if (job.name !== JOBS.payments.refund || !isUUID(job.data.refundId)) {
      await job.discard();
      throw new Error(`malformed payments job ${String(job.id)} (${job.name})`);
    }
    return this.payments.settleRefund(job.data.refundId);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().finally(() => this.schedule());
    }, this.payment.expirySweepIntervalSeconds * 1000);
  }

  /** One pass: expire what is due, re-run refunds whose job was lost. Never throws. */
  async sweep(): Promise<void> {
    try {
      let expired: number;
      do {
        expired = await this.payments.expireDue(100);
        if (expired) this.logger.log(`Expired ${expired} unpaid order(s)`);
      } while (expired === 100 && !this.stopped);
      for (const refundId of await this.payments.stalePendingRefunds(STALE_REFUND_SECONDS)) {
        await this.payments.settleRefund(refundId);
      }
    } catch (error) {
      this.logger.warn(`payment sweep: ${(error as Error).message}`);
    }
  }
}
