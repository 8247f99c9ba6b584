import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse } from '@nestjs/swagger';
import type { Role } from '../auth/role';

export const ROLES_KEY = 'roles';

/** The caller needs at least one of these roles (checked by the global RolesGuard). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/**
 * A route (or controller) for admins: the role check and its Swagger security with the 403.
 * The 401 and 400/503 answers are added to the document centrally (src/swagger.ts).
 */
export const AdminRoute = () =>
  applyDecorators(
    Roles('admin'),
    ApiBearerAuth(),
    ApiForbiddenResponse({ description: 'Not an admin' }),
  );

/** A route for merchants, as AdminRoute is for admins. */
export const MerchantRoute = () =>
  applyDecorators(
    Roles('merchant'),
    ApiBearerAuth(),
    ApiForbiddenResponse({ description: 'Not a merchant' }),
  );
