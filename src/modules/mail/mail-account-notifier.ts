import { Injectable } from '@nestjs/common';
import { AccountNotifier } from '../auth/account-notifier';
import { OutboxService } from '../queues/outbox.service';
import { jobMessages } from '../queues/queue-names';

/**
 * The auth module's account e-mails, queued through the outbox (committed rows only, relayed
 * to the `mail` queue); a mail worker renders and sends them. Never sends inside the request.
 */
@Injectable()
export class MailAccountNotifier extends AccountNotifier {
  constructor(private readonly outbox: OutboxService) {
    super();
  }

  emailVerification(userId: string, token: string): Promise<void> {
    return this.outbox.add(undefined, [jobMessages.verifyEmail(userId, token)]);
  }

  passwordReset(userId: string, token: string): Promise<void> {
    return this.outbox.add(undefined, [jobMessages.passwordReset(userId, token)]);
  }
}
