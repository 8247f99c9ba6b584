import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { MerchantOrAdminRoute } from '../../common/decorators/roles.decorator';
import { StockAdjustmentDto, StockLevelResponse } from './inventory.dto';
import { InventoryService } from './inventory.service';

@ApiTags('inventory')
@Controller('inventory')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Post('adjustments')
  @MerchantOrAdminRoute()
  @ApiOperation({
    summary: 'Adjust a variant’s stock (owner merchant or admin)',
    description: 'Writes a stock movement. Refused (409, nothing changed) below 0.',
  })
  @ApiCreatedResponse({ type: StockLevelResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  @ApiNotFoundResponse({ description: 'No such variant in your shop' })
  @ApiConflictResponse({ description: 'The stock would go below 0 (`shortLines`)' })
  adjust(
    @CurrentUser() actor: Actor,
    @Body() body: StockAdjustmentDto,
  ): Promise<StockLevelResponse> {
    return this.inventory.adjust(actor, body);
  }
}
