import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { v7 as timeOrderedUuid } from 'uuid';
import { CoalescedBatch } from '../../common/async/coalesced-batch';
import type { Actor } from '../../common/decorators/current-user.decorator';
import { ConflictError, UnprocessableError } from '../../common/errors/domain-errors';
import { isUuidText } from '../../common/text/uuid';
import { storeConfig, StoreConfig } from '../../config';
import { transactionInOneMessage } from '../../database/commit-with-last';
import { retryConcurrencyFailures } from '../../database/concurrency-retry';
import { allTogether, run, together } from '../../database/sql';
import { CartLine, CartService } from '../cart/cart.service';
import { CheckoutLine, VariantsRepository } from '../catalog/variants.repository';
import { InventoryService } from '../inventory/inventory.service';
import type { OrderView } from '../orders/order-view';
import { NewOrder, OrdersRepository } from '../orders/orders.repository';
import { OrdersService } from '../orders/orders.service';
import { PaymentProvider } from '../payments/payment-provider';
import { PaymentsService, PendingStart } from '../payments/payments.service';
import { CheckoutRequestsRepository, KeyTakenError } from './checkout-requests.repository';
import { CheckoutDto } from './dto/checkout.dto';
import { IDEMPOTENCY_KEY_TTL_HOURS, parseIdempotencyKey, requestHash } from './idempotency';
import { priceOrder } from '../../common/money/pricing';

export interface CheckoutResult {
  order: OrderView;
  /** true when the key was already used with this body: `order` is the first one. */
  replayed: boolean;
}

type Placed = CheckoutResult & { start?: PendingStart };

/** An order checked and priced, under its number, to place under a new id. */
type OrderToPlace = Omit<NewOrder, 'id'> & { number: string };

export interface UnavailableLine {
  variantId: string;
  reason: 'deleted' | 'archived' | 'unpublished';
}

/** One checkout in a hundred also deletes a batch of expired idempotency keys. */
const PRUNE_EVERY = 100;
/** Claims of a key that was live, then gone (expired) when its order was looked up. */
const KEY_ATTEMPTS = 3;

/**
 * Turns the signed-in user's cart into an order. First the cart's variants as they are now
 * (catalog) and the order's number are read, with those of the other checkouts of the moment
 * (one statement: `snapshots`); the order is checked and priced from them. Then the whole
 * transaction goes in one message: the claim of the Idempotency-Key (a live key fails it, and
 * the first order is replayed), the order, its lines and its first status (orders) with its
 * payment (pending; the invoice comes with the payment), the stock taken through the
 * inventory (locked in id order: no oversell, no deadlock), and the COMMIT, so that a hot
 * variant stays locked only for that statement and the commit. The buyer's name, e-mail and
 * address are the ones the request's sign-in check read. The cart is emptied of what was
 * ordered after the commit.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);
  private checkouts = 0;
  /**
   * The variants of the carts of the checkouts of the moment as they are now, and an order
   * number for each: one statement for all (CoalescedBatch; each read after it was asked).
   */
  private readonly snapshots = new CoalescedBatch<
    CartLine[],
    { lines: CheckoutLine[]; number: string }
  >(async (carts) => {
    const ids = [...new Set(carts.flatMap((cart) => cart.map((l) => l.variantId)))];
    const [variants, numbers] = await run(
      this.db,
      together([
        this.variants.checkoutVariantsPart(ids.filter(isUuidText)),
        this.orders.numbersPart(carts.length),
      ]),
    );
    const taken = this.orders.numbersOf(numbers);
    return carts.map((cart, i) => ({
      lines: this.variants.checkoutLinesOf(cart, variants),
      number: taken[i],
    }));
  });

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(storeConfig.KEY) private readonly store: StoreConfig,
    private readonly requests: CheckoutRequestsRepository,
    private readonly orders: OrdersRepository,
    private readonly variants: VariantsRepository,
    private readonly cart: CartService,
    private readonly inventory: InventoryService,
    private readonly payments: PaymentsService,
    private readonly views: OrdersService,
  ) {}

  async checkout(
    actor: Actor,
    idempotencyKey: string | undefined,
    input: CheckoutDto,
  ): Promise<CheckoutResult> {
    const key = parseIdempotencyKey(idempotencyKey);
    const hash = requestHash(input);
    // An unknown or disabled payment method is refused before anything happens (400).
    const provider = this.payments.providerFor(input.paymentMethod);
    const cartLines = await this.cart.linesOf(actor.id);
    if (!cartLines.length) {
      // A retry after success finds the cart emptied: the key answers it first.
      const replay = await this.replay(this.db.manager, actor.id, key, hash);
      if (replay) return this.withPayment(replay);
      throw new UnprocessableError('Your cart is empty.');
    }

    const { lines, number } = await this.snapshots.load(cartLines);
    let toPlace: OrderToPlace;
    try {
      toPlace = { ...this.orderOf(actor, lines, input), number };
    } catch (error) {
      // A key already used answers with its first order, whatever the cart holds now.
      const replay = await this.replay(this.db.manager, actor.id, key, hash);
      if (replay) return this.withPayment(replay);
      throw error;
    }

    const result = await this.place(toPlace, key, hash, provider);
    if (result.replayed) return this.withPayment(result);

    this.pruneExpiredKeysNow();
    await this.cart.takeOrdered(actor.id, cartLines).catch((error: Error) =>
      // The order stands; a cart left full is an annoyance, not a failure.
      this.logger.warn(`could not empty the cart of user ${actor.id}: ${error.message}`),
    );
    // A provider that calls out is called after the commit (never with stock locked); a
    // failure here is a 503 and the same key starts the payment again. One that calls no one
    // (manual) was started in the transaction: `begin` answers at once.
    const started = result.start && (await this.payments.begin(result.start));
    const [order] = await this.views.withPayments(
      [result.order],
      started && new Map([[result.order.id, started]]),
    );
    return { order, replayed: false };
  }

  /** A replayed order with its payment, started now if its first start did not finish. */
  private async withPayment(result: CheckoutResult): Promise<CheckoutResult> {
    const { order } = result;
    if (order.status === 'awaiting_payment') {
      const email = await this.orders.buyerEmailOf(order.id);
      await this.payments.ensureStarted(order.id, email ?? '', order.number);
    }
    const [withPayment] = await this.views.withPayments([order]);
    return { order: withPayment, replayed: true };
  }

  /** The order of these lines for the actor: refused (409, 422) when it cannot be placed. */
  private orderOf(actor: Actor, lines: CheckoutLine[], input: CheckoutDto): Omit<NewOrder, 'id'> {
    const unavailable = lines.flatMap((l): UnavailableLine[] => {
      if (!l.exists) return [{ variantId: l.variantId, reason: 'deleted' }];
      if (l.archived) return [{ variantId: l.variantId, reason: 'archived' }];
      if (l.status !== 'published') return [{ variantId: l.variantId, reason: 'unpublished' }];
      return [];
    });
    if (unavailable.length) {
      throw new ConflictError(
        `${unavailable.length} item(s) in your cart can no longer be bought; remove them and ` +
          'try again. Nothing was changed.',
        { unavailableLines: unavailable },
      );
    }
    const address = input.shippingAddress ?? actor.address;
    if (!address) {
      throw new UnprocessableError(
        'No shipping address: send `shippingAddress` or save an address on your account.',
      );
    }
    let totals;
    try {
      totals = priceOrder(
        lines.map((l) => ({ unitPrice: l.price!, quantity: l.quantity })),
        this.store,
      );
    } catch (error) {
      if (error instanceof RangeError) throw new UnprocessableError(error.message);
      throw error;
    }
    return {
      userId: actor.id,
      currency: this.store.currency,
      subtotal: totals.subtotal,
      tax: totals.tax,
      taxRateBps: this.store.taxRateBps,
      shipping: totals.shipping,
      total: totals.total,
      buyerName: actor.name,
      buyerEmail: actor.email,
      shippingAddress: address,
      note: input.note || null,
      lines: lines.map((l) => ({
        variantId: l.variantId,
        productId: l.productId!,
        shopId: l.shopId!,
        sku: l.sku!,
        title: l.title!,
        options: l.options ?? {},
        unitPrice: l.price!,
        quantity: l.quantity,
      })),
    };
  }

  /**
   * Places `order` in one message (the key's claim, the order with its payment, the stock and
   * the COMMIT), run again with a new order id if PostgreSQL fails it as a deadlock's victim.
   * A live key replays its first order instead.
   */
  private async place(
    order: OrderToPlace,
    key: string,
    hash: string,
    provider: PaymentProvider,
  ): Promise<Placed> {
    for (let attempt = 1; attempt <= KEY_ATTEMPTS; attempt++) {
      try {
        return await retryConcurrencyFailures(() => this.placeOnce(order, key, hash, provider));
      } catch (error) {
        if (!(error instanceof KeyTakenError)) throw error;
      }
      const replay = await this.replay(this.db.manager, order.userId, key, hash);
      // A key that expired meanwhile is taken over at the next try.
      if (replay) return replay;
    }
    throw new ConflictError('This Idempotency-Key is in use; retry with the same key.');
  }

  private async placeOnce(
    placing: OrderToPlace,
    key: string,
    hash: string,
    provider: PaymentProvider,
  ): Promise<Placed> {
    // Time-ordered (migration TimeOrderedIds): the indexes keyed by an order's id grow at
    // one edge instead of taking each new order on a random page.
    const order = { ...placing, id: timeOrderedUuid() };
    const [, , [view, start]] = await transactionInOneMessage(this.db, (tx) => [
      ...this.requests.claiming({
        userId: order.userId,
        key,
        hash,
        orderId: order.id,
        ttlHours: IDEMPOTENCY_KEY_TTL_HOURS,
      }),
      // The order, its lines and first status, its payment (pending) and the "how to pay"
      // e-mail (no invoice: that comes with payment): one statement. Then the stock, taken
      // last so that the variants stay locked the shortest time. A refusal of the stock
      // (InsufficientStockError: 409, shortLines) skips the COMMIT, and everything rolls back.
      allTogether([
        this.orders.placing(order),
        this.payments.createParts(tx, provider, {
          id: order.id,
          number: order.number,
          total: order.total,
          currency: order.currency,
          buyerEmail: order.buyerEmail,
        }),
      ]),
      this.inventory.changing(
        tx,
        order.lines.map((l) => ({
          variantId: l.variantId,
          delta: -l.quantity,
          reason: 'order' as const,
          actorId: order.userId,
          orderId: order.id,
        })),
      ),
    ]);
    return { order: view, start, replayed: false };
  }

  /** The first order of a live key used with the same body; 409 with another body. */
  private async replay(
    runner: EntityManager,
    userId: string,
    key: string,
    hash: string,
  ): Promise<CheckoutResult | undefined> {
    const request = await this.requests.findLive(runner, userId, key);
    if (!request) return undefined;
    if (request.request_hash !== hash) {
      throw new ConflictError(
        'This Idempotency-Key was already used with a different request; use a new key.',
      );
    }
    const [order] = request.order_id
      ? await this.orders.loadViews([request.order_id], {}, runner)
      : [];
    if (!order) {
      throw new ConflictError('The order placed with this Idempotency-Key no longer exists.');
    }
    return { order, replayed: true };
  }

  /** Deletes a batch of expired keys now and then; failures only cost a log line. */
  private pruneExpiredKeysNow(): void {
    if (++this.checkouts % PRUNE_EVERY !== 0) return;
    this.pruneExpiredKeys().catch((error: Error) =>
      this.logger.warn(`pruning idempotency keys: ${error.message}`),
    );
  }

  /** Deletes up to `batch` expired idempotency keys; returns how many. */
  pruneExpiredKeys(batch = 1000): Promise<number> {
    return this.requests.pruneExpired(batch);
  }
}
