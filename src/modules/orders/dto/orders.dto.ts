import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { ORDER_STATUSES, OrderStatus } from '../order-status';
import { OrderView } from '../order-view';

export class OrderPage {
  @ApiProperty({ type: OrderView, isArray: true }) items!: OrderView[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

/** `?status=&cursor=&limit=` of the admin and merchant lists. */
export class OrderListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ORDER_STATUSES, description: 'Only orders in this status' })
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;
}

export class MerchantOrdersQueryDto extends OrderListQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'The shop to show: required for admins; a merchant may only name their own',
  })
  @IsOptional()
  @IsUUID()
  shopId?: string;
}

export class UpdateOrderStatusDto {
  @ApiProperty({
    enum: ORDER_STATUSES,
    description: 'The status to move to; the state machine decides whether it may (422)',
  })
  @IsIn(ORDER_STATUSES)
  status!: OrderStatus;
}
