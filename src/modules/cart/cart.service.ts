import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  BadRequestError,
  NotFoundError,
  ServiceUnavailableError,
  UnprocessableError,
} from '../../common/errors/domain-errors';
import { priceOrder } from '../../common/money/pricing';
import { cartConfig, CartConfig, storeConfig, StoreConfig } from '../../config';
import { REDIS, Redis } from '../../redis/redis.module';
import { PricedLine, SellableVariant, VariantsRepository } from '../catalog/variants.repository';
import { isGuestCartId, newGuestCartId } from './cart-id';
import { CartRedis, withCartScripts } from './cart-scripts';
import { CartItemView, CartView } from './dto/cart.dto';

/** Whose cart a request works on: the signed-in user's, or a guest's (maybe none yet). */
export type CartOwner = { userId: string } | { guestId: string | null };

export interface CartLine {
  variantId: string;
  quantity: number;
}

/**
 * Carts live in Redis, one hash per cart (variant id → quantity) with a sliding TTL; they hold
 * no prices. Every read joins the current price, title, SKU and stock from PostgreSQL in one
 * query (through the catalog's VariantsRepository). Guests are keyed by an unguessable id, users
 * by their id; at login or register the auth module merges the guest cart into the user's.
 */
@Injectable()
export class CartService {
  private readonly logger = new Logger(CartService.name);
  private readonly redis: CartRedis;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly variants: VariantsRepository,
    @Inject(cartConfig.KEY) private readonly config: CartConfig,
    @Inject(storeConfig.KEY) private readonly store: StoreConfig,
  ) {
    this.redis = withCartScripts(redis);
  }

  /** The cart a request addresses; a malformed `X-Cart-Id` is a 400 (a signed-in user's is ignored). */
  ownerOf(userId: string | undefined, cartIdHeader: string | undefined): CartOwner {
    if (userId) return { userId };
    if (cartIdHeader === undefined || cartIdHeader === '') return { guestId: null };
    if (!isGuestCartId(cartIdHeader)) {
      throw new BadRequestError('X-Cart-Id is not a cart id issued by this shop.');
    }
    return { guestId: cartIdHeader };
  }

  async get(owner: CartOwner): Promise<CartView> {
    const key = this.keyOf(owner);
    if (!key) return this.view(owner, []);
    const [[error, hash]] = (await reachable(
      this.redis.pipeline().hgetall(key).expire(key, this.config.ttlSeconds).exec(),
    )) as [[Error | null, Record<string, string>]];
    if (error) throw unavailable();
    return this.view(owner, linesOf(hash));
  }

  /**
   * Adds units of a variant (the line is capped at the per-line maximum). A guest without a
   * cart gets one; its id is in the answer. Refuses unknown (404) or unsellable (422) variants.
   */
  async add(owner: CartOwner, variantId: string, quantity: number): Promise<CartView> {
    const variant = await this.sellable(variantId);
    // A guest cart is only ever created under an id issued here: an unknown id (expired, or
    // chosen by someone else to plant a cart on a victim) starts a new cart with a new id.
    const mustExist = 'guestId' in owner && owner.guestId !== null;
    let target: CartOwner =
      'guestId' in owner && !owner.guestId ? { guestId: newGuestCartId() } : owner;
    let lines = await this.changeLine(this.keyOf(target)!, variantId, quantity, 'add', mustExist);
    if (!lines) {
      target = { guestId: newGuestCartId() };
      lines = (await this.changeLine(this.keyOf(target)!, variantId, quantity, 'add', false))!;
    }
    // A cart of this one line (a new cart, above all) is priced from the variant just read.
    const only = lines.length === 1 && lines[0].variantId === variantId ? lines[0] : undefined;
    return this.view(target, lines, only && [pricedFrom(variant, only.quantity)]);
  }

  /** Sets a line's quantity (capped); 0 removes it. A line not in the cart is a 404. */
  async set(owner: CartOwner, variantId: string, quantity: number): Promise<CartView> {
    return this.change(owner, variantId, quantity, 'set');
  }

  async remove(owner: CartOwner, variantId: string): Promise<CartView> {
    return this.change(owner, variantId, 0, 'set');
  }

  async clear(owner: CartOwner): Promise<CartView> {
    const key = this.keyOf(owner);
    if (key) await reachable(this.redis.del(key));
    return this.view(owner, []);
  }

  /** The user's cart lines as stored (for checkout). */
  async linesOf(userId: string): Promise<CartLine[]> {
    return linesOf(await reachable(this.redis.hgetall(this.keyOf({ userId })!)));
  }

  /** Takes ordered quantities out of the user's cart, keeping whatever was added meanwhile. */
  async takeOrdered(userId: string, lines: CartLine[]): Promise<void> {
    if (!lines.length) return;
    await this.redis.cartTakeOrdered(
      this.keyOf({ userId })!,
      ...lines.flatMap((l) => [l.variantId, l.quantity]),
    );
  }

  /**
   * Moves a guest cart into the user's, atomically (one Lua script): quantities add up, capped
   * per line, and the guest cart is deleted, so concurrent logins with it merge it once. An id
   * that is malformed or unknown merges nothing (login must not fail over a stale cart id).
   */
  async mergeIntoUser(guestCartId: string, userId: string): Promise<void> {
    if (!isGuestCartId(guestCartId)) return;
    let merged: number, capped: number, dropped: number;
    try {
      [merged, capped, dropped] = await this.redis.cartMerge(
        this.keyOf({ guestId: guestCartId })!,
        this.keyOf({ userId })!,
        this.config.maxLineQuantity,
        this.config.maxLines,
        this.config.ttlSeconds,
      );
    } catch (error) {
      // The sign-in stands; the guest cart stays and merges at the next login with its id.
      this.logger.warn(`guest cart not merged for user ${userId}: ${(error as Error).message}`);
      return;
    }
    if (capped || dropped) {
      this.logger.log(
        `guest cart merged into user ${userId}: ${merged} line(s), ${capped} capped at ` +
          `${this.config.maxLineQuantity}, ${dropped} dropped past ${this.config.maxLines} lines`,
      );
    }
  }

  private async change(
    owner: CartOwner,
    variantId: string,
    quantity: number,
    mode: 'add' | 'set',
  ): Promise<CartView> {
    const key = this.keyOf(owner);
    if (!key) {
      if (quantity > 0) throw new NotFoundError('This variant is not in your cart.');
      return this.view(owner, []);
    }
    return this.view(owner, (await this.changeLine(key, variantId, quantity, mode, false))!);
  }

  /** Runs the script; the cart's lines after it, or undefined when `mustExist` and it does not. */
  private async changeLine(
    key: string,
    variantId: string,
    quantity: number,
    mode: 'add' | 'set',
    mustExist: boolean,
  ): Promise<CartLine[] | undefined> {
    const result = await reachable(
      this.redis.cartChangeLine(
        key,
        variantId,
        quantity,
        mode,
        this.config.maxLineQuantity,
        this.config.maxLines,
        this.config.ttlSeconds,
        mustExist ? 1 : 0,
      ),
    );
    if (result === -3) return undefined;
    if (result === -1) {
      throw new UnprocessableError(
        `A cart holds at most ${this.config.maxLines} different items; remove one first.`,
      );
    }
    if (result === -2) throw new NotFoundError('This variant is not in your cart.');
    return linesOf(result as string[]);
  }

  private async sellable(variantId: string): Promise<SellableVariant> {
    const variant = await this.variants.sellability(variantId);
    if (!variant) throw new NotFoundError('No such product variant.');
    if (variant.archived || variant.status !== 'published') {
      throw new UnprocessableError('This product variant is not for sale.');
    }
    return variant;
  }

  /**
   * Prices the lines from PostgreSQL in one query (the cart never stores prices), unless the
   * caller read them in this request already (`priced`); the totals are checkout's
   * (`priceOrder`) over the available lines.
   */
  private async view(
    owner: CartOwner,
    lines: CartLine[],
    priced?: PricedLine[],
  ): Promise<CartView> {
    const id = 'userId' in owner ? owner.userId : owner.guestId;
    const items: CartItemView[] = [];
    const rows = priced ?? (lines.length ? await this.variants.priceLines(lines) : []);
    for (const r of rows) {
      items.push({
        variantId: r.variant_id,
        productId: r.product_id,
        title: r.title,
        sku: r.sku,
        options: r.options,
        unitPrice: r.price,
        quantity: r.quantity,
        lineTotal: (r.price ?? 0) * r.quantity,
        available: r.available,
      });
    }
    const available = items.filter((i) => i.available);
    const subtotal = available.reduce((sum, i) => sum + i.lineTotal, 0);
    return { id, items, subtotal, ...this.estimate(available), currency: this.store.currency };
  }

  /**
   * Tax, shipping and total as checkout would charge them; all 0 when nothing can be bought
   * (nothing ships), null past an order's limits.
   */
  private estimate(available: CartItemView[]): Pick<CartView, 'tax' | 'shipping' | 'total'> {
    if (!available.length) return { tax: 0, shipping: 0, total: 0 };
    try {
      const { tax, shipping, total } = priceOrder(
        available.map((i) => ({ unitPrice: i.unitPrice!, quantity: i.quantity })),
        this.store,
      );
      return { tax, shipping, total };
    } catch (error) {
      if (error instanceof RangeError) return { tax: null, shipping: null, total: null };
      throw error;
    }
  }

  private keyOf(owner: CartOwner): string | null {
    if ('userId' in owner) return `cart:user:${owner.userId}`;
    return owner.guestId ? `cart:guest:${owner.guestId}` : null;
  }
}

const unavailable = () =>
  new ServiceUnavailableError(
    'The cart is briefly unavailable (its store is unreachable); try again.',
  );

/** A Redis call whose failure is a 503 rather than an unexplained 500. */
async function reachable<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch {
    throw unavailable();
  }
}

/** A line of a published, live variant, priced as `VariantsRepository.priceLines` would. */
function pricedFrom(variant: SellableVariant, quantity: number): PricedLine {
  return {
    variant_id: variant.id,
    quantity,
    product_id: variant.product_id,
    title: variant.title,
    sku: variant.sku,
    options: variant.options,
    price: variant.price,
    available: variant.stock >= quantity,
  };
}

function linesOf(hash: Record<string, string> | string[]): CartLine[] {
  const lines: CartLine[] = [];
  if (Array.isArray(hash)) {
    for (let i = 0; i + 1 < hash.length; i += 2) {
      lines.push({ variantId: hash[i], quantity: Number(hash[i + 1]) });
    }
  } else {
    for (const [variantId, quantity] of Object.entries(hash)) {
      lines.push({ variantId, quantity: Number(quantity) });
    }
  }
  return lines;
}
