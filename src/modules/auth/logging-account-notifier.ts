import { Injectable, Logger } from '@nestjs/common';
import { AccountNotifier } from './account-notifier';

/**
 * Stand-in until the mail module binds its own `AccountNotifier`: records that an e-mail was
 * due, never the token itself (a log line must not be enough to take over an account).
 */
@Injectable()
export class LoggingAccountNotifier extends AccountNotifier {
  private readonly logger = new Logger('AccountNotifier');

  emailVerification(userId: string): Promise<void> {
    this.logger.log({ userId }, 'E-mail verification message due (no mail module bound)');
    return Promise.resolve();
  }

  passwordReset(userId: string): Promise<void> {
    this.logger.log({ userId }, 'Password-reset message due (no mail module bound)');
    return Promise.resolve();
  }
}
