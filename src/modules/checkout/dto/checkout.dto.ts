import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
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
}
