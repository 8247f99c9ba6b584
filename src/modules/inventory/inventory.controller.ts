import { Body, Controller, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { Roles } from '../../common/decorators/roles.decorator';
import { StockAdjustmentDto, StockLevelResponse } from './inventory.dto';
import { InventoryService } from './inventory.service';

@ApiTags('inventory')
@ApiBearerAuth()
@Controller('inventory')
export class InventoryController {
  constructor(private readonly inventory: InventoryService) {}

  @Post('adjustments')
  @Roles('merchant', 'admin')
  @ApiOperation({
    summary: 'Adjust a variant’s stock (owner merchant or admin)',
    description: 'Writes a stock movement. Refused (409, nothing changed) below 0.',
  })
  @ApiCreatedResponse({ type: StockLevelResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields' })
  @ApiUnauthorizedResponse()
  @ApiForbiddenResponse({ description: 'Not a merchant or admin' })
  @ApiNotFoundResponse({ description: 'No such variant in your shop' })
  @ApiConflictResponse({ description: 'The stock would go below 0 (`shortLines`)' })
  adjust(
    @CurrentUser() actor: Actor,
    @Body() body: StockAdjustmentDto,
  ): Promise<StockLevelResponse> {
    return this.inventory.adjust(actor, body);
  }
}
