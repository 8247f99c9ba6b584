import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/decorators/current-user.decorator';
import { ConflictError, UnprocessableError } from '../../common/errors/domain-errors';
import { storeConfig, StoreConfig } from '../../config';
import { CartLine, CartService } from '../cart/cart.service';
import { InventoryService } from '../inventory/inventory.service';
import { loadOrderViews, OrderView } from '../orders/order-view';
import { OrdersService } from '../orders/orders.service';
import { PaymentProvider } from '../payments/payment-provider';
import { PaymentsService, PendingStart } from '../payments/payments.service';
import type { PostalAddress } from '../users/entities/user.entity';
import { CheckoutDto } from './dto/checkout.dto';
import { IDEMPOTENCY_KEY_TTL_HOURS, parseIdempotencyKey, requestHash } from './idempotency';
import { priceOrder } from './pricing';

export interface CheckoutResult {
  order: OrderView;
  /** true when the key was already used with this body: `order` is the first one. */
  replayed: boolean;
}

type Placed = CheckoutResult & { start?: PendingStart };

interface LoadedLine {
  variantId: string;
  quantity: number;
  exists: boolean;
  archived: boolean | null;
  status: string | null;
  productId: string | null;
  shopId: string | null;
  title: string | null;
  sku: string | null;
  options: Record<string, string> | null;
  price: number | null;
}

interface Loaded {
  buyer: { name: string; email: string; address: PostalAddress | null };
  lines: LoadedLine[];
}

export interface UnavailableLine {
  variantId: string;
  reason: 'deleted' | 'archived' | 'unpublished';
}

/** One checkout in a hundred also deletes a batch of expired idempotency keys. */
const PRUNE_EVERY = 100;

/**
 * Turns the signed-in user's cart into an order in one transaction: the Idempotency-Key is
 * claimed first (duplicates wait on it, then replay the first order), the variants are checked
 * and snapshotted, the order, its lines, its first status and its invoice job (outbox) are
 * written, and stock is taken last through the inventory (locked in id order: no oversell, no
 * deadlock, and a hot variant stays locked only until the commit). The cart is emptied of what
 * was ordered after the commit.
 */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger(CheckoutService.name);
  private checkouts = 0;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(storeConfig.KEY) private readonly store: StoreConfig,
    private readonly cart: CartService,
    private readonly inventory: InventoryService,
    private readonly payments: PaymentsService,
    private readonly orders: OrdersService,
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

    const result = await this.db.transaction(async (tx): Promise<Placed> => {
      const loaded = await this.claimAndLoad(tx, actor.id, key, hash, cartLines);
      if (!loaded) return (await this.replay(tx, actor.id, key, hash))!;
      return {
        ...(await this.placeOrder(tx, actor, key, input, loaded, provider)),
        replayed: false,
      };
    });
    if (result.replayed) return this.withPayment(result);

    this.pruneExpiredKeysNow();
    await this.cart.takeOrdered(actor.id, cartLines).catch((error: Error) =>
      // The order stands; a cart left full is an annoyance, not a failure.
      this.logger.warn(`could not empty the cart of user ${actor.id}: ${error.message}`),
    );
    // The provider is called after the commit (never with stock locked); a failure here is a
    // 503 and the same key starts the payment again.
    if (result.start) await this.payments.begin(result.start);
    const [order] = await this.orders.withPayments([result.order]);
    return { order, replayed: false };
  }

  /** A replayed order with its payment, started now if its first start did not finish. */
  private async withPayment(result: CheckoutResult): Promise<CheckoutResult> {
    const { order } = result;
    if (order.status === 'awaiting_payment') {
      const [buyer]: { email: string }[] = await this.db.query(
        `SELECT buyer_email AS email FROM orders WHERE id = $1`,
        [order.id],
      );
      await this.payments.ensureStarted(order.id, buyer.email, order.number);
    }
    const [withPayment] = await this.orders.withPayments([order]);
    return { order: withPayment, replayed: true };
  }

  private async placeOrder(
    tx: EntityManager,
    actor: Actor,
    key: string,
    input: CheckoutDto,
    { buyer, lines }: Loaded,
    provider: PaymentProvider,
  ): Promise<{ order: OrderView; start: PendingStart }> {
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
    const address = input.shippingAddress ?? buyer.address;
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

    const orderId = randomUUID();
    // The order, all its lines, its first status and the key's order in one statement.
    await tx.query(
      `WITH o AS (
         INSERT INTO orders (id, number, user_id, status, currency, subtotal, tax, tax_rate_bps,
                             shipping, total, buyer_name, buyer_email, shipping_address, note)
         SELECT $1, 'SO-' || extract(year FROM now())::int || '-'
                       || lpad(s.n::text, greatest(6, length(s.n::text)), '0'),
                $2, 'awaiting_payment', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
           FROM (SELECT nextval('order_number_seq') AS n) s
         RETURNING id
       ), items AS (
         INSERT INTO order_items (order_id, position, variant_id, product_id, shop_id, sku, title,
                                  options, unit_price, quantity, line_total)
         SELECT $1, l.position, l.variant_id, l.product_id, l.shop_id, l.sku, l.title, l.options,
                l.unit_price, l.quantity, l.unit_price * l.quantity
           FROM jsonb_to_recordset($13::jsonb) AS l(position int, variant_id uuid, product_id uuid,
                shop_id uuid, sku text, title text, options jsonb, unit_price int, quantity int)
       ), history AS (
         INSERT INTO order_status_history (order_id, from_status, to_status, actor_id)
         VALUES ($1, NULL, 'awaiting_payment', $2)
       ), claimed AS (
         UPDATE checkout_requests SET order_id = $1 WHERE user_id = $2 AND key = $14
       )
       SELECT id FROM o`,
      [
        orderId,
        actor.id,
        this.store.currency,
        totals.subtotal,
        totals.tax,
        this.store.taxRateBps,
        totals.shipping,
        totals.total,
        buyer.name,
        buyer.email,
        JSON.stringify(address),
        input.note || null,
        JSON.stringify(
          lines.map((l, position) => ({
            position,
            variant_id: l.variantId,
            product_id: l.productId,
            shop_id: l.shopId,
            sku: l.sku,
            title: l.title,
            options: l.options ?? {},
            unit_price: l.price,
            quantity: l.quantity,
          })),
        ),
        key,
      ],
    );
    // Read back in the API shape on this connection now (stock does not appear in it), rather
    // than wait for another connection after the commit.
    const [order] = await loadOrderViews(tx, [orderId]);
    // Its payment, pending, and the "how to pay" e-mail (no invoice: that comes with payment).
    const start = await this.payments.create(tx, provider, {
      id: orderId,
      number: order.number,
      total: order.total,
      currency: order.currency,
      buyerEmail: buyer.email,
    });
    // Stock last, so that the variants stay locked for the shortest time. Throws
    // InsufficientStockError (409, shortLines): everything above rolls back with it.
    await this.inventory.apply(
      tx,
      lines.map((l) => ({
        variantId: l.variantId,
        delta: -l.quantity,
        reason: 'order' as const,
        actorId: actor.id,
        orderId,
      })),
    );
    return { order, start };
  }

  /** The first order of a live key used with the same body; 409 with another body. */
  private async replay(
    runner: EntityManager,
    userId: string,
    key: string,
    hash: string,
  ): Promise<CheckoutResult | undefined> {
    const rows: { request_hash: string; order_id: string | null }[] = await runner.query(
      `SELECT request_hash, order_id FROM checkout_requests
        WHERE user_id = $1 AND key = $2 AND expires_at > now()`,
      [userId, key],
    );
    if (!rows.length) return undefined;
    if (rows[0].request_hash !== hash) {
      throw new ConflictError(
        'This Idempotency-Key was already used with a different request; use a new key.',
      );
    }
    const [order] = rows[0].order_id ? await loadOrderViews(runner, [rows[0].order_id]) : [];
    if (!order) {
      throw new ConflictError('The order placed with this Idempotency-Key no longer exists.');
    }
    return { order, replayed: true };
  }

  /**
   * Claims (user, key) for this request and loads the buyer and the cart's variants with their
   * products, in one statement. Returns undefined when the key is already taken: a concurrent
   * holder makes this wait until it commits (or rolls back, and then the claim succeeds). An
   * expired key is taken over.
   */
  private async claimAndLoad(
    tx: EntityManager,
    userId: string,
    key: string,
    hash: string,
    lines: CartLine[],
  ): Promise<Loaded | undefined> {
    const [row]: (Loaded & { claimed: boolean })[] = await tx.query(
      `WITH claim AS (
         INSERT INTO checkout_requests (user_id, key, request_hash, expires_at)
         VALUES ($1, $4, $5, now() + make_interval(hours => $6))
         ON CONFLICT (user_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, order_id = NULL, created_at = now(),
               expires_at = EXCLUDED.expires_at
           WHERE checkout_requests.expires_at <= now()
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM claim) AS claimed,
              (SELECT jsonb_build_object('name', u.name, 'email', u.email, 'address', u.address)
                 FROM users u WHERE u.id = $1) AS buyer,
              (SELECT jsonb_agg(jsonb_build_object(
                        'variantId', c.variant_id, 'quantity', c.quantity,
                        'exists', v.id IS NOT NULL, 'archived', v.archived, 'status', p.status,
                        'productId', p.id, 'shopId', p.shop_id, 'title', p.title, 'sku', v.sku,
                        'options', v.options, 'price', v.price)
                      ORDER BY p.title, v.sku, c.variant_id)
                 FROM unnest($2::uuid[], $3::int[]) AS c(variant_id, quantity)
                 LEFT JOIN product_variants v ON v.id = c.variant_id
                 LEFT JOIN products p ON p.id = v.product_id) AS lines`,
      [
        userId,
        lines.map((l) => l.variantId),
        lines.map((l) => l.quantity),
        key,
        hash,
        IDEMPOTENCY_KEY_TTL_HOURS,
      ],
    );
    return row.claimed ? row : undefined;
  }

  /** Deletes a batch of expired keys now and then; failures only cost a log line. */
  private pruneExpiredKeysNow(): void {
    if (++this.checkouts % PRUNE_EVERY !== 0) return;
    this.pruneExpiredKeys().catch((error: Error) =>
      this.logger.warn(`pruning idempotency keys: ${error.message}`),
    );
  }

  /** Deletes up to `batch` expired idempotency keys; returns how many. */
  async pruneExpiredKeys(batch = 1000): Promise<number> {
    const [, deleted] = await this.db.query<[unknown[], number]>(
      `DELETE FROM checkout_requests WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM checkout_requests WHERE expires_at <= now() LIMIT $1))`,
      [batch],
    );
    return deleted;
  }
}
