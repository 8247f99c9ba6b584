import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { UnauthorizedError } from '../../common/errors/domain-errors';
import { authConfig, AuthConfig } from '../../config';
import type { UserAccount } from '../users/users.service';
import { TokenPairResponse } from './dto/auth.dto';
import { RefreshToken } from './entities/refresh-token.entity';
import { hashOpaqueToken, newOpaqueToken } from './opaque-token';

export interface AccessTokenPayload {
  sub: string;
  roles: string[];
  /** The refresh-token family (session) this access token was issued with. */
  sid?: string;
}

/**
 * The session (refresh-token family) `q.param` of the user row `u` still has a live token.
 * ANDed into the users module's per-request read (UsersService.activeLookup), so that the
 * session check stays one prepared statement while each module names only its own table.
 */
export const LIVE_SESSION_OF_USER = `EXISTS (SELECT 1 FROM refresh_tokens t
  WHERE t.family_id = q.param AND t.user_id = u.id AND t.revoked_at IS NULL
    AND t.expires_at > now())`;

/** Issues access tokens (JWT) and rotating refresh tokens (opaque, stored hashed). */
@Injectable()
export class TokenService {
  constructor(
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly jwt: JwtService,
  ) {}

  /** A new pair; a new family unless `familyId` continues a rotated one. */
  async issue(
    user: Pick<UserAccount, 'id' | 'roles'>,
    familyId: string = randomUUID(),
    manager: EntityManager = this.db.manager,
  ): Promise<TokenPairResponse> {
    const payload: AccessTokenPayload = { sub: user.id, roles: user.roles, sid: familyId };
    const accessToken = await this.jwt.signAsync(payload);
    const { token, hash } = newOpaqueToken();
    await manager.insert(RefreshToken, {
      userId: user.id,
      familyId,
      tokenHash: hash,
      expiresAt: new Date(Date.now() + this.config.refreshTtlSeconds * 1000),
    });
    return { accessToken, refreshToken: token, expiresIn: this.config.accessTtlSeconds };
  }

  /**
   * Spends `refreshToken` and returns the user it belongs to. A token presented after it was
   * spent revokes its whole family: someone holds a copy.
   */
  async spend(
    refreshToken: string,
    manager: EntityManager,
  ): Promise<{ userId: string; familyId: string }> {
    const hash = hashOpaqueToken(refreshToken);
    const spent: { user_id: string; family_id: string }[] = await manager.query(
      `UPDATE refresh_tokens SET revoked_at = now()
        WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
        RETURNING user_id, family_id`,
      [hash],
    );
    // TypeORM returns [rows, count] for UPDATE ... RETURNING on PostgreSQL.
    const rows = Array.isArray(spent[0]) ? (spent[0] as typeof spent) : spent;
    if (rows.length === 1) return { userId: rows[0].user_id, familyId: rows[0].family_id };

    const known = await manager.findOne(RefreshToken, { where: { tokenHash: hash } });
    if (known?.revokedAt) {
      await this.db.query(
        `UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL`,
        [known.familyId],
      );
      throw new UnauthorizedError(
        'This refresh token was already used; every session it belongs to has been signed out.',
      );
    }
    throw new UnauthorizedError('The refresh token is invalid or expired.');
  }

  /** Revokes one token if it belongs to `userId`; unknown tokens are ignored. */
  async revoke(refreshToken: string, userId: string): Promise<void> {
    await this.db.query(
      `UPDATE refresh_tokens SET revoked_at = now()
        WHERE token_hash = $1 AND user_id = $2 AND revoked_at IS NULL`,
      [hashOpaqueToken(refreshToken), userId],
    );
  }

  /** Signs the user out everywhere, except the session `keepFamilyId` when given. */
  async revokeAllOf(
    userId: string,
    manager: EntityManager = this.db.manager,
    keepFamilyId?: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE refresh_tokens SET revoked_at = now()
        WHERE user_id = $1 AND revoked_at IS NULL AND family_id IS DISTINCT FROM $2`,
      [userId, keepFamilyId ?? null],
    );
  }
}
