import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  NotEquals,
} from 'class-validator';

export const MANUAL_REASONS = ['adjustment', 'return'] as const;

export class StockAdjustmentDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  variantId!: string;

  @ApiProperty({
    description: 'Units to add (positive) or take away (negative); not 0',
    example: -2,
  })
  @IsInt()
  @NotEquals(0)
  @Min(-1_000_000)
  @Max(1_000_000)
  delta!: number;

  @ApiProperty({ enum: MANUAL_REASONS, example: 'adjustment' })
  @IsIn(MANUAL_REASONS)
  reason!: (typeof MANUAL_REASONS)[number];

  @ApiPropertyOptional({ maxLength: 200, description: 'Why, for the movement log' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  note?: string;
}

export class StockLevelResponse {
  @ApiProperty({ format: 'uuid' }) variantId!: string;
  @ApiProperty({ description: 'Stock on hand after the change' }) stock!: number;
}
