import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A postal address as accounts save it and orders snapshot it. */
export interface PostalAddress {
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
  state?: string;
}

export class AddressResponse implements PostalAddress {
  @ApiProperty({ example: '1 Main Street' }) line1!: string;
  @ApiPropertyOptional() line2?: string;
  @ApiProperty({ example: 'Berlin' }) city!: string;
  @ApiProperty({ example: '10115' }) postalCode!: string;
  @ApiProperty({ example: 'DE', description: 'ISO 3166-1 alpha-2' }) country!: string;
  @ApiPropertyOptional() state?: string;
}
