import { OrderStatusService } from '../../src/modules/orders/order-status.service';
import { runWorker } from '../../src/worker';

/**
 * The production worker (`src/worker.ts`) whose expiry sweep stops inside its first expiry
 * transaction, after the order's transition, restock and follow-up jobs were written and
 * before the commit: it announces `holding <orderId>` and waits for ever, so that a test can
 * SIGKILL the worker inside that window. Test-only.
 */
const applyTransition = OrderStatusService.prototype.applyTransition;
OrderStatusService.prototype.applyTransition = async function (this: OrderStatusService, ...args) {
  const event = await applyTransition.apply(this, args);
  if (event.to === 'expired') {
    process.stdout.write(`holding ${event.orderId}\n`);
    return new Promise<never>(() => undefined);
  }
  return event;
};

runWorker();
