import { Injectable } from '@nestjs/common';

/**
 * The one place that decides whether a user bought a product (a non-cancelled order holding
 * it). Orders do not exist yet, so nobody is eligible: the orders module replaces this query
 * (`orders`/`order_items`, status <> 'cancelled'). Tests override this provider to grant it.
 */
@Injectable()
export class ReviewEligibility {
  hasPurchased(_userId: string, _productId: string): Promise<boolean> {
    return Promise.resolve(false);
  }
}
