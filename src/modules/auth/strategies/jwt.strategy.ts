import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectDataSource } from '@nestjs/typeorm';
import { createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { DataSource } from 'typeorm';
import type { Actor } from '../../../common/decorators/current-user.decorator';
import { UnauthorizedError } from '../../../common/errors/domain-errors';
import { authConfig, AuthConfig } from '../../../config';
import { preparedQuery } from '../../../database/sql';
import type { Role } from '../../users/role';
import type { AccessTokenPayload } from '../token.service';

/**
 * Verifies the bearer token (HS256 only: `alg: none` and other algorithms are refused), then
 * reads the user's current state and, in the same statement, whether the token's session (its
 * refresh-token family) still has a live token: a deactivated user, a changed role, a logout,
 * "sign out everywhere" and a password change or reset all take effect at the next request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(authConfig.KEY) config: AuthConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A key object, built once: given a string, jsonwebtoken rebuilds one on every request.
      // jsonwebtoken 9 verifies with a KeyObject; passport-jwt's types only list string|Buffer.
      secretOrKey: createSecretKey(Buffer.from(config.accessSecret, 'utf8')) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(payload: AccessTokenPayload): Promise<Actor> {
    // Every signed-in request runs this: a prepared statement, planned once per connection.
    if (typeof payload.sid !== 'string') throw new UnauthorizedError('Sign in again.');
    const [user] = await preparedQuery<{ id: string; email: string; roles: Role[] }>(
      this.db,
      `SELECT u.id, u.email, u.roles FROM users u
        WHERE u.id = $1 AND u.active AND u.deleted_at IS NULL
          AND EXISTS (SELECT 1 FROM refresh_tokens t
                       WHERE t.family_id = $2 AND t.user_id = u.id
                         AND t.revoked_at IS NULL AND t.expires_at > now())`,
      [payload.sub, payload.sid],
    );
    if (!user) {
      throw new UnauthorizedError('This session has ended or the account is not active.');
    }
    return { id: user.id, email: user.email, roles: user.roles, sessionId: payload.sid };
  }
}
