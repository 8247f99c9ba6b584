import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Actor } from '../../../common/decorators/current-user.decorator';
import { UnauthorizedError } from '../../../common/errors/domain-errors';
import { authConfig, AuthConfig } from '../../../config';
import { UsersService } from '../../users/users.service';
import { AccessTokenPayload, LIVE_SESSION_OF_USER } from '../token.service';

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
    private readonly users: UsersService,
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
    if (typeof payload.sid !== 'string') throw new UnauthorizedError('Sign in again.');
    const user = await this.users.findActive(payload.sub, {
      sql: LIVE_SESSION_OF_USER,
      param: payload.sid,
    });
    if (!user) {
      throw new UnauthorizedError('This session has ended or the account is not active.');
    }
    return {
      id: user.id,
      email: user.email,
      roles: user.roles,
      name: user.name,
      address: user.address,
      sessionId: payload.sid,
      profile: {
        emailVerifiedAt: user.emailVerifiedAt,
        avatarFile: user.avatarFile,
        phone: user.phone,
        createdAt: user.createdAt,
      },
    };
  }
}
