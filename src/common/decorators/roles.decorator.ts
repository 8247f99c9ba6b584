import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse } from '@nestjs/swagger';
import type { Role } from '../auth/role';

export const ROLES_KEY = 'roles';

/** The caller needs at least one of these roles (checked by the global RolesGuard). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

const roleRoute = (roles: Role[], forbidden: string) =>
  applyDecorators(
    Roles(...roles),
    ApiBearerAuth(),
    ApiForbiddenResponse({ description: forbidden }),
  );

/**
 * A route (or controller) for admins: the role check and its Swagger security with the 403.
 * The 401 and 400/503 answers are added to the document centrally (src/swagger.ts).
 */
export const AdminRoute = () => roleRoute(['admin'], 'Not an admin');

/** A route for merchants, as AdminRoute is for admins. */
export const MerchantRoute = () => roleRoute(['merchant'], 'Not a merchant');

/**
 * A route for merchants and admins (the service checks that a merchant acts on their own shop),
 * as AdminRoute is for admins; `forbidden` describes the 403 when ownership adds to it.
 */
export const MerchantOrAdminRoute = (forbidden = 'Not a merchant or admin') =>
  roleRoute(['merchant', 'admin'], forbidden);
