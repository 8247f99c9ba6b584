import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Actor } from '../../../common/decorators/current-user.decorator';
import { ForbiddenError, UnauthorizedError } from '../../../common/errors/domain-errors';
import { routeAccess } from './route-access';

/** Global guard after JwtAuthGuard: enforces `@Roles(...)` (any one of them suffices). */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = routeAccess(this.reflector, context).roles;
    if (!required.length) return true;
    const actor = context.switchToHttp().getRequest<{ user?: Actor }>().user;
    if (!actor) throw new UnauthorizedError('A valid bearer access token is required.');
    if (!required.some((role) => actor.roles.includes(role))) {
      throw new ForbiddenError(`This needs the role ${required.join(' or ')}.`);
    }
    return true;
  }
}
