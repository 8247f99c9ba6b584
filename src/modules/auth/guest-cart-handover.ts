/**
 * Called at login and register when the client sends `X-Cart-Id`: the cart module provides
 * the implementation that merges the guest cart into the user's. Until it does, nothing happens.
 */
export abstract class GuestCartHandover {
  abstract mergeIntoUser(guestCartId: string, userId: string): Promise<void>;
}

export class NoGuestCartHandover extends GuestCartHandover {
  async mergeIntoUser(): Promise<void> {}
}
