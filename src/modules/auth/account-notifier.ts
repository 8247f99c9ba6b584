/**
 * The account e-mails the auth module asks for. The mail module implements it by queueing
 * the messages (through the outbox); the tokens are the plain single-use values to put in links.
 */
export abstract class AccountNotifier {
  /** Welcome message with the e-mail verification link (after register). */
  abstract emailVerification(userId: string, token: string): Promise<void>;
  /** Password-reset link (after `POST /auth/password/forgot` for an existing account). */
  abstract passwordReset(userId: string, token: string): Promise<void>;
}
