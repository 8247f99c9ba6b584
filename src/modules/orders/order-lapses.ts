import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/**
 * Called in the transaction that moved an order out of the paid statuses (cancelled, expired,
 * refunded), with the order locked. The reviews module, which depends on orders, registers
 * itself here at start (no module cycle) to hide reviews that stop counting.
 */
export type OrderLapseHandler = (tx: EntityManager, orderId: string) => Promise<void>;

/** Where modules plug in what must happen when an order stops counting as bought. */
@Injectable()
export class OrderLapses {
  private readonly handlers: OrderLapseHandler[] = [];

  register(handler: OrderLapseHandler): void {
    this.handlers.push(handler);
  }

  async run(tx: EntityManager, orderId: string): Promise<void> {
    for (const handler of this.handlers) await handler(tx, orderId);
  }
}
