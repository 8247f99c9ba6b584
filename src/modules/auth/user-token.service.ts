import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull, MoreThan } from 'typeorm';
import { authConfig, AuthConfig } from '../../config';
import { UserToken, UserTokenPurpose } from './entities/user-token.entity';
import { hashOpaqueToken, newOpaqueToken } from './opaque-token';

/** Single-use, expiring tokens for e-mailed links (verification, password reset). */
@Injectable()
export class UserTokenService {
  constructor(
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {}

  /** A new token for `purpose`; older unused tokens of the same purpose stop working. */
  async issue(
    userId: string,
    purpose: UserTokenPurpose,
    manager: EntityManager = this.db.manager,
  ): Promise<string> {
    const ttl = this.ttlOf(purpose);
    const { token, hash } = newOpaqueToken();
    await manager.transaction(async (tx) => {
      await tx.query(
        `UPDATE user_tokens SET used_at = now()
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`,
        [userId, purpose],
      );
      await tx.insert(UserToken, {
        userId,
        purpose,
        tokenHash: hash,
        expiresAt: new Date(Date.now() + ttl * 1000),
      });
    });
    return token;
  }

  /**
   * A new token of `purpose` for the account `userId` (the active account of an e-mail, looked
   * up by the caller), in ONE statement that runs the same whether or not there is an account
   * (the previous tokens of the purpose are spent; without one it writes nothing). The token is
   * made either way.
   */
  async issueIfAccount(
    userId: string | undefined,
    purpose: UserTokenPurpose,
    manager: EntityManager = this.db.manager,
  ): Promise<string> {
    const { token, hash } = newOpaqueToken();
    await manager.query(
      `WITH spent AS (
         UPDATE user_tokens SET used_at = now()
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL
       )
       INSERT INTO user_tokens (user_id, purpose, token_hash, expires_at)
       SELECT $1, $2, $3, now() + make_interval(secs => $4) WHERE $1::uuid IS NOT NULL`,
      [userId ?? null, purpose, hash, this.ttlOf(purpose)],
    );
    return token;
  }

  private ttlOf(purpose: UserTokenPurpose): number {
    return purpose === 'verify-email'
      ? this.config.emailVerificationTtlSeconds
      : this.config.passwordResetTtlSeconds;
  }

  /** The user id of a token that would be accepted now, without spending it. */
  async peek(token: string, purpose: UserTokenPurpose): Promise<string | undefined> {
    const row = await this.db.manager.findOne(UserToken, {
      where: {
        tokenHash: hashOpaqueToken(token),
        purpose,
        usedAt: IsNull(),
        expiresAt: MoreThan(new Date()),
      },
      select: { userId: true },
    });
    return row?.userId;
  }

  /**
   * Spends the token atomically and returns its user id, or `undefined` when it is unknown,
   * spent, expired or meant for another purpose.
   */
  async consume(
    token: string,
    purpose: UserTokenPurpose,
    manager: EntityManager = this.db.manager,
  ): Promise<string | undefined> {
    const result: unknown[] = await manager.query(
      `UPDATE user_tokens SET used_at = now()
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
        RETURNING user_id`,
      [hashOpaqueToken(token), purpose],
    );
    // TypeORM returns [rows, count] for UPDATE ... RETURNING on PostgreSQL.
    const rows = (Array.isArray(result[0]) ? result[0] : result) as { user_id: string }[];
    return rows[0]?.user_id;
  }

  /** Every unused token of the user stops working (account deleted). */
  async revokeAllOf(userId: string, manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(
      `UPDATE user_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`,
      [userId],
    );
  }
}
