import { InjectQueue } from '@nestjs/bull';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import { queueConfig, QueueConfig } from '../../config';
import { JobMessage, JOBS, QUEUES } from '../queues/queue-names';
import { classifySendFailure } from './mail-delivery';
import { MailLogService, OUTCOME_UNKNOWN } from './mail-log.service';
import { MailMessages } from './mail-messages';
import { MailSender } from './mail-sender';

const MAIL_JOB_NAMES = new Set<string>(Object.values(JOBS.mail));

export type MailJobOutcome =
  'sent' | 'skipped' | 'already-done' | 'interrupted' | 'outcome-unknown';

/**
 * Consumes the `mail` queue: every `JOBS.mail.*` job, at `WORKER_CONCURRENCY` jobs at once.
 * Each job id is one message event, sent at most once (see MailLogService): a refused or
 * unreachable SMTP server fails the job so that Bull retries it with backoff; an attempt that
 * may have reached the server is never repeated.
 */
@Injectable()
export class MailProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(MailProcessor.name);

  constructor(
    @InjectQueue(QUEUES.mail) private readonly queue: Queue,
    @Inject(queueConfig.KEY) private readonly config: QueueConfig,
    private readonly messages: MailMessages,
    private readonly sender: MailSender,
    private readonly log: MailLogService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workerQueues.includes(QUEUES.mail)) return;
    // One '*' handler: Bull adds up the concurrency of named handlers.
    void this.queue.process('*', this.config.concurrency, (job: Job) => this.handle(job));
  }

  async handle(job: Job): Promise<MailJobOutcome> {
    const eventKey = String(job.id);
    if (!MAIL_JOB_NAMES.has(job.name)) throw new Error(`Unknown mail job "${job.name}"`);
    const message = {
      queue: QUEUES.mail,
      name: job.name,
      jobId: eventKey,
      payload: job.data as unknown,
    } as JobMessage;
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
