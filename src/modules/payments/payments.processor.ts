import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { paymentConfig, PaymentConfig } from '../../config';
import { JobRunner, QueueHandlers, UnrecoverableJobError } from '../queues/job-runner';
import { QUEUES } from '../queues/queue-names';
import { PaymentProviderRejectedError } from './payment-provider-errors';
import { PaymentsService } from './payments.service';

/** A pending refund older than this is re-run by the sweep (its job failed for good). */
const STALE_REFUND_SECONDS = 15 * 60;

/**
 * The `payments` queue's handler table (refunds carried out through the provider) and the
 * expiry sweep, run every PAYMENT_EXPIRY_SWEEP_INTERVAL in each process that consumes
 * `payments`. The sweep keeps no state of its own: what is due is read from the payments table
 * each time, so a restarted or SIGKILLed worker loses nothing (a transaction cut short rolls
 * back and the next pass, here or in another worker, does it), and the order lock with its
 * status check makes each order expire once however many workers sweep.
 */
@Injectable()
export class PaymentsProcessor implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PaymentsProcessor.name);
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private stopped = false;

  readonly handlers: QueueHandlers<typeof QUEUES.payments> = {
    refund: async ({ refundId }) => {
      try {
        return await this.payments.settleRefund(refundId);
      } catch (error) {
        // The provider refused for good (e.g. more than is left at Stripe): recorded failed.
        if (error instanceof PaymentProviderRejectedError) {
          throw new UnrecoverableJobError(error.message);
        }
        throw error;
      }
    },
  };

  constructor(
    private readonly runner: JobRunner,
    @Inject(paymentConfig.KEY) private readonly config: PaymentConfig,
    private readonly payments: PaymentsService,
  ) {}

  onModuleInit(): void {
    this.runner.register(QUEUES.payments, this.handlers);
  }

  onApplicationBootstrap(): void {
    if (this.runner.consumes(QUEUES.payments)) this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.sweeping;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.sweeping = this.sweep().finally(() => this.schedule());
    }, this.config.expirySweepIntervalSeconds * 1000);
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
