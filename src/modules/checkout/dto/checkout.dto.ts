import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { PAYMENT_PROVIDER_NAMES } from '../../payments/payment-provider';
import { AddressDto } from '../../users/dto/users.dto';

export class CheckoutDto {
  @ApiPropertyOptional({
    type: AddressDto,
    description: 'Where to ship; defaults to the address saved on the account (422 if neither)',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => AddressDto)
  shippingAddress?: AddressDto;

  @ApiPropertyOptional({ maxLength: 500, description: 'A note for the seller' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(500)
  note?: string;

  @ApiPropertyOptional({
    enum: PAYMENT_PROVIDER_NAMES,
    description:
      'How the buyer pays: one of the enabled providers (PAYMENT_PROVIDERS); default the ' +
      'first of them. A provider not enabled is refused (400).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  paymentMethod?: string;
}
