import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  BadRequestError,
  ConflictError,
  UnauthorizedError,
} from '../../common/errors/domain-errors';
import type { Actor } from '../../common/decorators/current-user.decorator';
import { isUniqueViolation } from '../../common/http/unreachable';
import { PasswordHasher } from '../users/password-hasher';
import { assertAcceptablePassword } from '../users/password-policy';
import { toUserResponse } from '../users/dto/user.response';
import { normalizeEmail, UserAccount, UsersService } from '../users/users.service';
import { CartService } from '../cart/cart.service';
import { OutboxService } from '../queues/outbox.service';
import { jobMessages } from '../queues/queue-names';
import { RegisterDto, ResetPasswordDto, SessionResponse, TokenPairResponse } from './dto/auth.dto';
import { TokenService } from './token.service';
import { UserTokenService } from './user-token.service';

/** The user id of the reset job for an e-mail without an account: the worker finds no one. */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';
/** The one answer to wrong credentials, whatever was wrong. */
export const INVALID_CREDENTIALS = 'Invalid e-mail or password.';

@Injectable()
export class AuthService {
  /** Verified against when the e-mail is unknown, so that both failures take the same time. */
  private dummyHash?: Promise<string>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
    private readonly carts: CartService,
    private readonly userTokens: UserTokenService,
    private readonly outbox: OutboxService,
    private readonly users: UsersService,
  ) {}

  async register(input: RegisterDto, guestCartId?: string): Promise<SessionResponse> {
    const email = normalizeEmail(input.email);
    assertAcceptablePassword(input.password, email);
    if (await this.users.emailTaken(email)) {
      throw new ConflictError('An account with this e-mail already exists.');
    }
    const passwordHash = await this.hasher.hash(input.password);
    let user: UserAccount;
    try {
      // The account, its verification token and the welcome e-mail's outbox row commit
      // together: no account without its e-mail, no e-mail for an account that is not there.
      user = await this.db.transaction(async (tx) => {
        const created = await this.users.createCustomer(tx, {
          email,
          passwordHash,
          name: input.name,
        });
        const token = await this.userTokens.issue(created.id, 'verify-email', tx);
        await this.outbox.add(tx, [jobMessages.verifyEmail(created.id, token)]);
        return created;
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError('An account with this e-mail already exists.');
      }
      throw error;
    }
    return this.startSession(user, guestCartId);
  }

  /** A new verification link (the previous one stops working); nothing once verified. */
  async resendVerification(actor: Actor): Promise<void> {
    const user = await this.users.findById(actor.id);
    if (!user || user.emailVerifiedAt) return;
    await this.db.transaction(async (tx) => {
      const token = await this.userTokens.issue(user.id, 'verify-email', tx);
      await this.outbox.add(tx, [jobMessages.verifyEmail(user.id, token)]);
    });
  }

  /** Marks the e-mail verified; the token works once. */
  async verifyEmail(token: string): Promise<void> {
    const userId = await this.userTokens.consume(token, 'verify-email');
    if (!userId) throw new BadRequestError('The verification link is invalid or has expired.');
    await this.users.markEmailVerified(userId);
  }

  /**
   * Queues a reset link for the e-mail. The request does the same work whether or not an
   * active account has it (one account lookup and one token statement that inserts nothing without an account, one
   * outbox job either way), so that neither the answer nor its timing tells which e-mails exist;
   * the mail worker skips the job of an e-mail without an account.
   */
  async forgotPassword(email: string): Promise<void> {
    // The token and its outbox row commit together, with or without an account.
    await this.db.transaction(async (tx) => {
      const userId = await this.users.activeIdByEmail(normalizeEmail(email), tx);
      const token = await this.userTokens.issueIfAccount(userId, 'reset-password', tx);
      await this.outbox.add(tx, [jobMessages.passwordReset(userId ?? NO_ACCOUNT, token)]);
    });
  }

  /** Sets a new password with a reset token (once) and signs the user out everywhere. */
  async resetPassword(input: ResetPasswordDto): Promise<void> {
    const invalid = () => new BadRequestError('The reset link is invalid or has expired.');
    // Checked before the token is spent, so that a weak password does not waste the link.
    const pendingFor = await this.userTokens.peek(input.token, 'reset-password');
    const owner = pendingFor && (await this.users.findById(pendingFor));
    if (!owner) throw invalid();
    assertAcceptablePassword(input.password, owner.email);
    const passwordHash = await this.hasher.hash(input.password);
    await this.db.transaction(async (manager) => {
      const userId = await this.userTokens.consume(input.token, 'reset-password', manager);
      if (!userId) throw invalid();
      if (!(await this.users.resetPassword(manager, userId, passwordHash))) throw invalid();
      await this.tokens.revokeAllOf(userId, manager);
    });
  }

  /** The user with these credentials, or one 401 whatever was wrong. */
  async validateCredentials(email: string, password: string): Promise<UserAccount> {
    const user = await this.users.findByEmail(email);
    if (!user) {
      this.dummyHash ??= this.hasher.hash('timing-equaliser-password');
      await this.hasher.verify(await this.dummyHash, password);
      throw new UnauthorizedError(INVALID_CREDENTIALS);
    }
    const valid = await this.hasher.verify(user.passwordHash, password);
    if (!valid || !user.active || user.deletedAt) {
      throw new UnauthorizedError(INVALID_CREDENTIALS);
    }
    return user;
  }

  async startSession(user: UserAccount, guestCartId?: string): Promise<SessionResponse> {
    if (guestCartId) await this.carts.mergeIntoUser(guestCartId, user.id);
    const pair = await this.tokens.issue(user);
    return { user: toUserResponse(user), ...pair };
  }

  async refresh(refreshToken: string): Promise<TokenPairResponse> {
    return this.db.transaction(async (manager) => {
      const { userId, familyId } = await this.tokens.spend(refreshToken, manager);
      const user = await this.users.findById(userId, manager);
      if (!user || !user.active || user.deletedAt) {
        throw new UnauthorizedError('The refresh token is invalid or expired.');
      }
      return this.tokens.issue(user, familyId, manager);
    });
  }

  logout(userId: string, refreshToken: string): Promise<void> {
    return this.tokens.revoke(refreshToken, userId);
  }

  /** Ends every session of the user (their access tokens stop working at the next request). */
  logoutEverywhere(userId: string): Promise<void> {
    return this.tokens.revokeAllOf(userId);
  }
}
