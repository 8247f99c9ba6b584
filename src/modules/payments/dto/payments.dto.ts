import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The largest amount an order can have (a PostgreSQL integer). */
const MAX_AMOUNT = 2_147_483_647;

export class RecordPaymentDto {
  @ApiProperty({ minimum: 1, description: 'Money received, minor units of the store currency' })
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  amount!: number;

  @ApiProperty({
    maxLength: 255,
    description: 'The bank’s or the till’s reference for this money (e.g. the transfer text)',
  })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  reference!: string;

  @ApiPropertyOptional({ description: 'When the money arrived (default: now); not in the future' })
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  receivedAt?: Date;
}

export class RefundDto {
  @ApiPropertyOptional({
    minimum: 1,
    description: 'Minor units to give back; all that is left to refund when absent',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  amount?: number;

  @ApiProperty({ maxLength: 500, description: 'Why (shown on the credit note and the e-mail)' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

export class WebhookAnswer {
  @ApiProperty({ description: 'Events stored and applied now' })
  received!: number;
  @ApiProperty({ description: 'Events seen before: nothing done' })
  duplicates!: number;
}
