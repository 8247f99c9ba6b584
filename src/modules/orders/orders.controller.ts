import { Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { PageQueryDto } from '../../common/pagination/page-query.dto';
import { OrderPage } from './dto/orders.dto';
import { OrderStatusService } from './order-status.service';
import { OrderDetailView } from './order-view';
import { OrdersService } from './orders.service';

@ApiTags('orders')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'No valid access token' })
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly status: OrderStatusService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The signed-in user’s orders, newest first (keyset pages)',
    description: 'Admins list everyone’s orders with `GET /admin/orders`.',
  })
  @ApiOkResponse({ type: OrderPage })
  @ApiBadRequestResponse({ description: 'Invalid limit or cursor' })
  list(@CurrentUser() actor: Actor, @Query() query: PageQueryDto): Promise<OrderPage> {
    return this.orders.listOwn(actor, query);
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One order with its status history (the owner; admins any order)',
  })
  @ApiOkResponse({ type: OrderDetailView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such order, or another user’s' })
  get(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<OrderDetailView> {
    return this.orders.get(actor, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Cancel an order and restore its stock',
    description:
      'The owner while the order is `placed`; an admin while it is `placed` or `paid`. ' +
      'A second cancel of the same order is refused (422) and restores nothing.',
  })
  @ApiOkResponse({ type: OrderDetailView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID' })
  @ApiNotFoundResponse({ description: 'No such order, or another user’s' })
  @ApiUnprocessableEntityResponse({
    description: 'The order’s status does not allow it (`from` and `to` in the problem)',
  })
  cancel(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<OrderDetailView> {
    return this.status.cancel(actor, id);
  }
}
