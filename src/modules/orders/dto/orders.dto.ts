import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageQueryDto } from '../../../common/pagination/page-query.dto';
import { ORDER_STATUSES, OrderStatus, OrderView } from '../order-view';

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

export class UpdateOrderStatusDto {
  @ApiProperty({
    enum: ORDER_STATUSES,
    description: 'The status to move to; the state machine decides whether it may (422)',
  })
  @IsIn(ORDER_STATUSES)
  status!: OrderStatus;
}
