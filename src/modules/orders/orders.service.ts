import { Injectable } from '@nestjs/common';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { BadRequestError, NotFoundError } from '../../common/errors/domain-errors';
import { decodeTimestampCursor, Page, toPage } from '../../common/pagination/cursor';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { ShopsService } from '../catalog/shops.service';
import { MerchantOrdersQueryDto, OrderListQueryDto } from './dto/orders.dto';
import { OrderPaymentsLink, OrderPaymentView } from './order-payments';
import { OrderDetailView, OrderView } from './order-view';
import { OrderListFilter, OrdersRepository } from './orders.repository';

/**
 * Order reads: the buyer's own orders, the admin list and the merchant view. Every list is a
 * newest-first keyset page read in one statement with its orders' payments (`pageViews`),
 * whatever the page size.
 */
@Injectable()
export class OrdersService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly shops: ShopsService,
    private readonly link: OrderPaymentsLink,
  ) {}

  /**
   * Fills in each order's `payment` and `paymentDueAt`: one query for all of them, none when the
   * caller has the payments already (`known`, by order id).
   */
  async withPayments<T extends OrderView>(
    views: T[],
    known?: Map<string, OrderPaymentView | null>,
  ): Promise<T[]> {
    if (!views.length) return views;
    const payments = known ?? (await this.link.payments.views(views.map((v) => v.id)));
    for (const view of views) {
      const payment = payments.get(view.id) ?? null;
      view.payment = payment;
      view.paymentDueAt = view.status === 'awaiting_payment' && payment ? payment.expiresAt : null;
      view.creditNotes = (payment?.refunds ?? []).flatMap((r) =>
        r.creditNoteNumber
          ? [
              {
                number: r.creditNoteNumber,
                amount: r.amount,
                url: `/api/v1/orders/${view.id}/credit-notes/${r.creditNoteNumber}`,
              },
            ]
          : [],
      );
    }
    return views;
  }

  listOwn(actor: Actor, page: PageQueryDto): Promise<Page<OrderView>> {
    return this.page('orders', { userId: actor.id }, page);
  }

  /** The buyer's order, or any order for an admin; someone else's order is a 404. */
  async get(actor: Actor, id: string): Promise<OrderDetailView> {
    const [order] = await this.orders.loadDetails([id], {
      userId: isAdmin(actor) ? undefined : actor.id,
    });
    if (!order) throw new NotFoundError('No such order.');
    const [withPayment] = await this.withPayments([order]);
    return withPayment;
  }

  listAll(query: OrderListQueryDto): Promise<Page<OrderView>> {
    return this.page('admin-orders', { status: query.status }, query);
  }

  /**
   * Orders holding a shop's products, each with only those lines (the totals stay the whole
   * order's): the merchant's own shop, or for an admin the `shopId` asked for. A merchant
   * without a shop has sold nothing: an empty list.
   */
  async listForMerchant(actor: Actor, query: MerchantOrdersQueryDto): Promise<Page<OrderView>> {
    const shopId = await this.shopToShow(actor, query.shopId);
    if (!shopId) return { items: [], nextCursor: null };
    return this.page('merchant-orders', { shopId, status: query.status }, query);
  }

  private async shopToShow(actor: Actor, requested?: string): Promise<string | null> {
    if (isAdmin(actor) && requested) {
      if (!(await this.shops.exists(requested))) throw new NotFoundError('No such shop.');
      return requested;
    }
    if (isAdmin(actor) && !actor.roles.includes('merchant')) {
      throw new BadRequestError('Name the shop with `shopId`: admins see one shop at a time.');
    }
    const own = await this.shops.findByMerchant(actor.id);
    if (requested && requested !== own?.id) throw new NotFoundError('No such shop of yours.');
    return own?.id ?? null;
  }

  /** A newest-first keyset page and its orders' payments, in one statement. */
  private async page(
    sort: string,
    filter: OrderListFilter,
    page: PageQueryDto,
  ): Promise<Page<OrderView>> {
    const after = page.cursor ? decodeTimestampCursor(page.cursor, sort) : undefined;
    const payments = this.link.payments;
    const rows = await this.orders.pageViews(
      filter,
      after,
      page.limit,
      payments.viewColumn('o.id'),
    );
    const kept = rows.slice(0, page.limit);
    await this.withPayments(
      kept.map((r) => r.view),
      new Map(kept.map((r) => [r.view.id, payments.viewOf(r.extra)])),
    );
    return toPage(
      rows,
      page.limit,
      (r) => r.view,
      (r) => ({ s: sort, v: r.key, id: r.view.id }),
    );
  }
}
