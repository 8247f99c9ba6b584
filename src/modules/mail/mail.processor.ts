import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Job } from 'bull';
import { JobRunner, PayloadFor, QueueHandlers } from '../queues/job-runner';
import { JobMessage, JobName, QUEUES } from '../queues/queue-names';
import { classifySendFailure } from './mail-delivery';
import { MailLogService, OUTCOME_UNKNOWN } from './mail-log.service';
import { MailMessages } from './mail-messages';
import { MailSender } from './mail-sender';

export type MailJobOutcome =
  'sent' | 'skipped' | 'already-done' | 'interrupted' | 'outcome-unknown';

type MailJob = JobName<typeof QUEUES.mail>;

/**
 * The `mail` queue's handler table (run by JobRunner, `WORKER_CONCURRENCY` jobs at once). Every
 * job is one message event (its job id): MailMessages composes it from the current rows, then
 * it is sent at most once (see MailLogService): a refused or unreachable SMTP server fails the
 * job so that Bull retries it with backoff; an attempt that may have reached the server is
 * never repeated.
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
    const claim = await this.log.claim(record);
    if (claim.kind === 'done') return 'already-done';
    if (claim.kind === 'interrupted') {
      this.logger.error({ eventKey }, 'Mail not resent: an earlier attempt may have sent it');
      return 'interrupted';
    }

    let messageId: string;
    try {
      ({ messageId } = await this.sender.send(eventKey, mail));
    } catch (error) {
      const reason = (error as Error)?.message ?? String(error);
      if (classifySendFailure(error) === 'unknown') {
        await this.log.failed(eventKey, `${OUTCOME_UNKNOWN}: ${reason}`);
        this.logger.error({ eventKey, err: error }, 'Mail outcome unknown: not resent');
        return 'outcome-unknown';
      }
      await this.log.failed(eventKey, reason);
      throw error;
    }
    // Outside the try: if this write fails, the row stays 'sending' and is never resent.
    await this.log.sent(eventKey, messageId);
    return 'sent';
  }
}
