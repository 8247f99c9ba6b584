import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module';
import { InventoryController } from './inventory.controller';
import { InventoryService } from './inventory.service';

/**
 * Stock rules: `InventoryService.apply` is the only way stock changes (checkout, cancellation,
 * manual adjustments), with its low-stock notices written to the outbox in the same
 * transaction. Owns no table: stock and its movement log are the catalog's
 * (`VariantsRepository`). Exports InventoryService.
 */
@Module({
  imports: [CatalogModule],
  controllers: [InventoryController],
  providers: [InventoryService],
  exports: [InventoryService],
})
export class InventoryModule {}
