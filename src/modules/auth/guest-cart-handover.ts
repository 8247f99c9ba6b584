/**
 * Called at login and register when the client sends `X-Cart-Id`: merges the guest cart into
 * the user's. The cart module's `CartService` implements it (bound in AuthModule).
 */
export abstract class GuestCartHandover {
  abstract mergeIntoUser(guestCartId: string, userId: string): Promise<void>;
}
