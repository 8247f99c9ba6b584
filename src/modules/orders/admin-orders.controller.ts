import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { AdminRoute } from '../../common/decorators/roles.decorator';
import { OrderListQueryDto, OrderPage, UpdateOrderStatusDto } from './dto/orders.dto';
import { OrderStatusService } from './order-status.service';
import { OrderDetailView } from './order-view';
import { OrdersService } from './orders.service';

@ApiTags('admin: orders')
@AdminRoute()
@Controller('admin/orders')
export class AdminOrdersController {
  constructor(
    private readonly orders: OrdersService,
    private readonly status: OrderStatusService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every order, newest first, optionally in one status' })
  @ApiOkResponse({ type: OrderPage })
  @ApiBadRequestResponse({ description: 'Unknown status, invalid limit or cursor' })
  list(@Query() query: OrderListQueryDto): Promise<OrderPage> {
    return this.orders.listAll(query);
  }

  @Patch(':id/status')
  @ApiOperation({
    summary: 'Move an order to another status',
    description:
      'placed → paid → shipped → delivered; placed|paid → cancelled (stock restored); ' +
      'paid|shipped|delivered → refunded (no restock; a credit note is issued). ' +
      'shipped, cancelled and refunded e-mail the buyer.',
  })
  @ApiOkResponse({ type: OrderDetailView })
  @ApiBadRequestResponse({ description: 'The id is not a UUID or the status is unknown' })
  @ApiNotFoundResponse({ description: 'No such order' })
  @ApiUnprocessableEntityResponse({
    description: 'The state machine has no such move (`from` and `to` in the problem)',
  })
  changeStatus(
    @CurrentUser() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateOrderStatusDto,
  ): Promise<OrderDetailView> {
    return this.status.change(actor, id, body.status);
  }
}
