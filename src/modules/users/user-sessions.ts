import type { EntityManager } from 'typeorm';

/**
 * What the users module needs of whoever owns sessions and e-mailed links (the auth module
 * provides it under USER_SESSIONS): ending them inside the caller's transaction, so that a
 * password change, a deactivation or a deletion and the sign-out commit together.
 */
export interface UserSessions {
  /** Ends every session of the user, except `keepSessionId` when given. */
  revokeAll(userId: string, manager: EntityManager, keepSessionId?: string): Promise<void>;
  /** Every unused e-mailed link (verification, reset) of the user stops working. */
  revokeLinks(userId: string, manager: EntityManager): Promise<void>;
}

export const USER_SESSIONS = Symbol('UserSessions');
