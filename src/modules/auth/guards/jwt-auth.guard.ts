import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Actor } from '../../../common/decorators/current-user.decorator';
import { UnauthorizedError } from '../../../common/errors/domain-errors';
import { JwtStrategy } from '../strategies/jwt.strategy';
import { routeAccess } from './route-access';

type GuardedRequest = Parameters<JwtStrategy['actorOfVerified']>[0] & {
  headers: Record<string, unknown>;
  user?: Actor;
};

/**
 * Global guard: every route needs a valid bearer token unless marked `@Public()`. A public
 * route called with a token still authenticates it (guest-or-user routes such as the cart),
 * and a bad token there is a 401 too rather than a silent downgrade to anonymous.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly jwt: JwtStrategy,
  ) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const { ownBearer, isPublic } = routeAccess(this.reflector, context);
    if (ownBearer) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    if (isPublic && !request.headers.authorization) return true;
    // A token verified before: its actor (or the session check's 401) without passport.
    const known = this.jwt.actorOfVerified(request);
    if (known) {
      return known.then((actor) => {
        request.user = actor;
        return true;
      });
    }
    return super.canActivate(context);
  }

  override handleRequest<T>(error: unknown, user: T | false, info: unknown): T {
    // Any error, not only `instanceof Error`: a socket error made outside this realm (e.g. the
    // database unreachable) is not one in every runtime, and must reach the problem filter.
    if (error) throw error as Error;
    if (!user) {
      const reason = info instanceof Error ? info.message : undefined;
      throw new UnauthorizedError(
        reason === 'jwt expired'
          ? 'The access token has expired; refresh it.'
          : 'A valid bearer access token is required.',
      );
    }
    return user;
  }
}
