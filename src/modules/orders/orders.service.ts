import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor, isAdmin } from '../../common/decorators/current-user.decorator';
import { BadRequestError, NotFoundError } from '../../common/errors/domain-errors';
import { decodeTimestampCursor, Page, timestampKey, toPage } from '../../common/pagination/cursor';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { preparedQuery } from '../../database/sql';
import { ShopsService } from '../catalog/shops.service';
import { MerchantOrdersQueryDto, OrderListQueryDto } from './dto/orders.dto';
import { OrderPaymentsLink } from './order-payments';
import {
  loadOrderDetails,
  loadOrderViews,
  OrderDetailView,
  OrderView,
  OrderViewOptions,
} from './order-view';

/** A list's filter: SQL conditions on `orders o` with their values from `$1`. */
interface ListFilter {
  conditions: string[];
  values: unknown[];
}

/**
 * Order reads: the buyer's own orders, the admin list and the merchant view. Every list is a
 * newest-first keyset page read in a constant number of queries (a page of ids, then
 * `loadOrderViews`), whatever the page size.
 */
@Injectable()
export class OrdersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly shops: ShopsService,
    private readonly link: OrderPaymentsLink,
  ) {}

  /** Fills in each order's `payment` and `paymentDueAt` (one query for all of them). */
  async withPayments<T extends OrderView>(views: T[]): Promise<T[]> {
    if (!views.length) return views;
    const payments = await this.link.payments.views(views.map((v) => v.id));
    for (const view of views) {
      const payment = payments.get(view.id) ?? null;
      view.payment = payment;
      view.paymentDueAt = view.status === 'awaiting_payment' && payment ? payment.expiresAt : null;
    }
    return views;
  }

  listOwn(actor: Actor, page: PageQueryDto): Promise<Page<OrderView>> {
    return this.page('orders', { conditions: ['o.user_id = $1'], values: [actor.id] }, page);
  }

  /** The buyer's order, or any order for an admin; someone else's order is a 404. */
  async get(actor: Actor, id: string): Promise<OrderDetailView> {
    const [order] = await loadOrderDetails(this.db, [id], {
      userId: isAdmin(actor) ? undefined : actor.id,
    });
    if (!order) throw new NotFoundError('No such order.');
    const [withPayment] = await this.withPayments([order]);
    return withPayment;
  }

  listAll(query: OrderListQueryDto): Promise<Page<OrderView>> {
    return this.page('admin-orders', withStatus({ conditions: [], values: [] }, query), query);
  }

  /**
   * Orders holding a shop's products, each with only those lines (the totals stay the whole
   * order's): the merchant's own shop, or for an admin the `shopId` asked for. A merchant
   * without a shop has sold nothing: an empty list.
   */
  async listForMerchant(actor: Actor, query: MerchantOrdersQueryDto): Promise<Page<OrderView>> {
    const shopId = await this.shopToShow(actor, query.shopId);
    if (!shopId) return { items: [], nextCursor: null };
    const filter = {
      conditions: ['o.id IN (SELECT it.order_id FROM order_items it WHERE it.shop_id = $1)'],
      values: [shopId],
    };
    return this.page('merchant-orders', withStatus(filter, query), query, { shopId });
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

  private async page(
    sort: string,
    filter: ListFilter,
    page: PageQueryDto,
    view: OrderViewOptions = {},
  ): Promise<Page<OrderView>> {
    const conditions = [...filter.conditions];
    const values = [...filter.values];
    if (page.cursor) {
      const { at, id } = decodeTimestampCursor(page.cursor, sort);
      values.push(at, id);
      conditions.push(
        `(o.created_at, o.id) < ($${values.length - 1}::timestamptz, $${values.length}::uuid)`,
      );
    }
    values.push(page.limit + 1);
    const rows = await preparedQuery<{ id: string; key: string }>(
      this.db,
      `SELECT o.id, ${timestampKey('o.created_at')} AS key FROM orders o
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY o.created_at DESC, o.id DESC LIMIT $${values.length}`,
      values,
    );
    const views = await this.withPayments(
      await loadOrderViews(
        this.db,
        rows.slice(0, page.limit).map((r) => r.id),
        view,
      ),
    );
    const byId = new Map(views.map((v) => [v.id, v]));
    return toPage(
      rows,
      page.limit,
      (r) => byId.get(r.id)!,
      (r) => ({ s: sort, v: r.key, id: r.id }),
    );
  }
}

function withStatus(filter: ListFilter, query: OrderListQueryDto): ListFilter {
  if (!query.status) return filter;
  const values = [...filter.values, query.status];
  return { conditions: [...filter.conditions, `o.status = $${values.length}`], values };
}
