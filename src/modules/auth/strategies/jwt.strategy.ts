import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import { createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Actor } from '../../../common/decorators/current-user.decorator';
import { UnauthorizedError } from '../../../common/errors/domain-errors';
import { authConfig, AuthConfig } from '../../../config';
import { ActiveUserLookup, UsersService } from '../../users/users.service';
import { AccessTokenPayload, LIVE_SESSION_OF_USER } from '../token.service';

/**
 * Verifies the bearer token (HS256 only: `alg: none` and other algorithms are refused), then
 * reads the user's current state and, in the same statement, whether the token's session (its
 * refresh-token family) still has a live token: a deactivated user, a changed role, a logout,
 * "sign out everywhere" and a password change or reset all take effect at the next request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly activeUser: ActiveUserLookup;

  constructor(@Inject(authConfig.KEY) config: AuthConfig, users: UsersService) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A key object, built once: given a string, jsonwebtoken rebuilds one on every request.
      // jsonwebtoken 9 verifies with a KeyObject; passport-jwt's types only list string|Buffer.
      secretOrKey: createSecretKey(Buffer.from(config.accessSecret, 'utf8')) as unknown as Buffer,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
    this.activeUser = users.activeLookup(LIVE_SESSION_OF_USER);
  }

  async validate(payload: AccessTokenPayload): Promise<Actor> {
    // Signed by us, so both are uuids; checked all the same, since one malformed value would
    // fail the lookup it shares with other requests.
    const { sub, sid } = payload;
    if (typeof sid !== 'string' || !isUUID(sub) || !isUUID(sid)) {
      throw new UnauthorizedError('Sign in again.');
    }
    const user = await this.activeUser(sub, sid);
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
