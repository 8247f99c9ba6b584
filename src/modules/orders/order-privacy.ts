import type { EntityManager } from 'typeorm';

/**
 * Account deletion keeps the orders (bookkeeping) but not who placed them: the buyer's name,
 * e-mail, delivery address (all but the country, kept for tax reporting) and note are erased,
 * in the caller's transaction.
 */
export async function anonymiseBuyerOrders(
  manager: EntityManager,
  userId: string,
  anonymousEmail: string,
): Promise<void> {
  await manager.query(
    `UPDATE orders
        SET buyer_name = 'Deleted user', buyer_email = $2, note = NULL,
            shipping_address = jsonb_build_object('country', shipping_address->>'country'),
            updated_at = now()
      WHERE user_id = $1`,
    [userId, anonymousEmail],
  );
}
