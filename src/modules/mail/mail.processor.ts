import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job } from 'bull';
import { JobRunner, PayloadFor, QueueHandlers } from '../queues/job-runner';
import { JobMessage, JobName, QUEUES } from '../queues/queue-names';
import { classifySendFailure, MAIL_DELIVERY } from './mail-delivery';
import { MailLogService } from './mail-log.service';
import { MailMessages } from './mail-messages';
import { MailSender } from './mail-sender';

export type MailJobOutcome =
  'sent' | 'skipped' | 'already-done' | 'interrupted' | 'outcome-unknown';

type MailJob = JobName<typeof QUEUES.mail>;

/**
 * The `mail` queue's handler table (run by JobRunner, `WORKER_CONCURRENCY` jobs at once). Every
 * job is one message event (its job id): MailMessages composes it from the current rows, then
 * it is sent with the guarantee MAIL_DELIVERY gives its job (see MailLogService): a refused or
 * unreachable SMTP server fails the job so that Bull retries it with backoff; an attempt that
 * may have reached the server is repeated (same Message-ID) for an at-least-once message and
 * not for an at-most-once one, and is counted and logged at error level either way.
 */
@Injectable()
export class MailProcessor implements OnModuleInit {
  private readonly logger = new Logger(MailProcessor.name);

  readonly handlers: QueueHandlers<typeof QUEUES.mail> = {
    'verify-email': (payload, job) => this.deliver('verify-email', payload, job),
    'password-reset': (payload, job) => this.deliver('password-reset', payload, job),
    'order-confirmation': (payload, job) => this.deliver('order-confirmation', payload, job),
    'payment-instructions': (payload, job) => this.deliver('payment-instructions', payload, job),
    'refund-issued': (payload, job) => this.deliver('refund-issued', payload, job),
    'order-status': (payload, job) => this.deliver('order-status', payload, job),
    'low-stock': (payload, job) => this.deliver('low-stock', payload, job),
  };

  constructor(
    private readonly runner: JobRunner,
    private readonly messages: MailMessages,
    private readonly sender: MailSender,
    private readonly log: MailLogService,
  ) {}

  onModuleInit(): void {
    this.runner.register(QUEUES.mail, this.handlers);
  }

  private async deliver<N extends MailJob>(
    name: N,
    payload: PayloadFor<typeof QUEUES.mail, N>,
    job: Job,
  ): Promise<MailJobOutcome> {
    const eventKey = String(job.id);
    const guarantee = MAIL_DELIVERY[name];
    // A previous attempt was accepted by the server but could not record it (PostgreSQL went
    // away after the 250): record it now, never send again and never call it failed.
    const delivered = deliveredMessageId(job);
    if (delivered) {
      await this.log.sent(eventKey, delivered);
      return 'sent';
    }
    const message = { queue: QUEUES.mail, name, jobId: eventKey, payload } as JobMessage;
    // Everything the message needs is read before the claim: a missing invoice retries the
    // job without spending the event.
    const mail = await this.messages.compose(message);
    if ('skip' in mail) {
      await this.log.skipped(
        { eventKey, template: mail.template, recipient: mail.to ?? '', subject: '' },
        mail.skip,
      );
      this.logger.warn({ eventKey, reason: mail.skip }, 'Mail skipped');
      return 'skipped';
    }
    const record = { eventKey, template: mail.template, recipient: mail.to, subject: mail.subject };
    const claim = await this.log.claim(record, guarantee);
    if (claim.kind === 'done') return 'already-done';
    if (claim.kind === 'interrupted') {
      this.logger.error(
        { eventKey, template: mail.template },
        'Mail outcome unknown (an attempt stopped while sending); at-most-once: not resent',
      );
      return 'interrupted';
    }
    if (claim.resend) {
      this.logger.error(
        { eventKey, template: mail.template, attempt: claim.attempts },
        'Mail outcome unknown after an earlier attempt; at-least-once: sending again with the same Message-ID',
      );
    }

    let messageId: string;
    try {
      ({ messageId } = await this.sender.send(eventKey, mail));
    } catch (error) {
      const reason = (error as Error)?.message ?? String(error);
      if (classifySendFailure(error) === 'unknown') {
        await this.log.failed(eventKey, reason, true);
        if (guarantee === 'at-least-once') {
          this.logger.error({ eventKey, err: error }, 'Mail outcome unknown: will send again');
          throw error;
        }
        this.logger.error(
          { eventKey, err: error },
          'Mail outcome unknown: at-most-once, not resent',
        );
        return 'outcome-unknown';
      }
      await this.log.failed(eventKey, reason);
      throw error;
    }
    // Delivered. Kept on the job first (in Redis), so that if PostgreSQL is gone now, the
    // next attempt records the delivery instead of sending again or calling it failed.
    await job.progress({ sentMessageId: messageId }).catch(() => undefined);
    await retrying(() => this.log.sent(eventKey, messageId));
    return 'sent';
  }
}

function deliveredMessageId(job: Job): string | undefined {
  const progress: unknown = job.progress();
  if (progress && typeof progress === 'object' && 'sentMessageId' in progress) {
    const id = progress.sentMessageId;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/** `write()`, tried again a few times over about three seconds while it fails. */
async function retrying(write: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= 4) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}
