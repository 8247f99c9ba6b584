import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectRepository } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Repository } from 'typeorm';
import type { Actor } from '../../../common/decorators/current-user.decorator';
import { UnauthorizedError } from '../../../common/errors/domain-errors';
import { authConfig, AuthConfig } from '../../../config';
import { User } from '../../users/entities/user.entity';
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
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: config.accessSecret,
      algorithms: ['HS256'],
      ignoreExpiration: false,
    });
  }

  async validate(payload: AccessTokenPayload): Promise<Actor> {
    const user = await this.users.findOne({
      where: { id: payload.sub },
      select: { id: true, email: true, roles: true, active: true, deletedAt: true },
    });
    if (!user || !user.active || user.deletedAt) {
      throw new UnauthorizedError('This account is not active.');
    }
    return { id: user.id, email: user.email, roles: user.roles, sessionId: payload.sid };
  }
}
