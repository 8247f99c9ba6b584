import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { Actor } from '../../../common/decorators/current-user.decorator';
import { UnauthorizedError } from '../../../common/errors/domain-errors';
import { authConfig, AuthConfig } from '../../../config';
import { UsersService } from '../../users/users.service';
import type { AccessTokenPayload } from '../token.service';

/**
 * Verifies the bearer token (HS256 only: `alg: none` and other algorithms are refused), then
 * reads the user's current state, so that a deactivated user or a changed role takes effect at
 * the next request.
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
    const user = await this.users.findActive(payload.sub);
    if (!user) {
      throw new UnauthorizedError('This account is not active.');
    }
    return {
      id: user.id,
      email: user.email,
      roles: user.roles,
      name: user.name,
      address: user.address,
      sessionId: payload.sid,
    };
  }
}
