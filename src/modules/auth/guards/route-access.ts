import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '../../../common/auth/role';
import { IS_PUBLIC, OWN_BEARER } from '../../../common/decorators/public.decorator';
import { ROLES_KEY } from '../../../common/decorators/roles.decorator';

/** Who may call a route, as its decorators (the handler's, else its controller's) say. */
export interface RouteAccess {
  /** `@PublicWithOwnBearer()`: the bearer header is the route's own secret. */
  ownBearer: boolean;
  /** `@Public()`: anyone; a bearer token, when sent, must still be valid. */
  isPublic: boolean;
  /** `@Roles(...)`: any one of them; none means any signed-in user. */
  roles: Role[];
}

/** By controller, then handler: an inherited handler is the same function in every subclass. */
const known = new WeakMap<object, WeakMap<object, RouteAccess>>();

/**
 * The route's access, read from its metadata once per route: decorators are fixed once the
 * app is built, and reading them on every request (six reflect-metadata lookups between the two
 * guards) cost more than the rest of the guards' work.
 */
export function routeAccess(reflector: Reflector, context: ExecutionContext): RouteAccess {
  const controller = context.getClass();
  const handler = context.getHandler();
  let ofController = known.get(controller);
  if (!ofController) known.set(controller, (ofController = new WeakMap()));
  let access = ofController.get(handler);
  if (!access) {
    const targets = [handler, controller];
    access = {
      ownBearer: reflector.getAllAndOverride<boolean>(OWN_BEARER, targets) ?? false,
      isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false,
      roles: reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets) ?? [],
    };
    ofController.set(handler, access);
  }
  return access;
}
