import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { PostalAddress } from '../address/postal-address';
import type { Role } from '../auth/role';

/** Who is calling: set by the JWT guard from the token and the user's current state. */
export interface Actor {
  id: string;
  email: string;
  roles: Role[];
  /** The name and saved address as read with the roles (checkout snapshots them). */
  name: string;
  address: PostalAddress | null;
  /** The session (refresh-token family) the access token belongs to. */
  sessionId?: string;
  /** The rest of the profile, read with the roles (`GET /users/me` answers from it). */
  profile?: {
    emailVerifiedAt: Date | null;
    avatarFile: string | null;
    phone: string | null;
    createdAt: Date;
  };
}

export function isAdmin(actor: Actor | undefined): boolean {
  return actor?.roles.includes('admin') ?? false;
}

/** The signed-in caller; `undefined` on a public route called anonymously. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Actor | undefined =>
    context.switchToHttp().getRequest<{ user?: Actor }>().user,
);
