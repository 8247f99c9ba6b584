import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsNotEmpty, IsString, MaxLength, ValidateIf } from 'class-validator';

/** Either an admin's access token, or an admin's e-mail and password. */
export class DashboardLoginDto {
  @ApiPropertyOptional({ description: 'An admin access token (from `POST /auth/login`)' })
  @ValidateIf((o: DashboardLoginDto) => o.email === undefined || o.accessToken !== undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(4096)
  accessToken?: string;

  @ApiPropertyOptional({ example: 'admin@shop.local' })
  @ValidateIf((o: DashboardLoginDto) => o.accessToken === undefined)
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ example: 'admin-demo-password' })
  @ValidateIf((o: DashboardLoginDto) => o.accessToken === undefined)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password?: string;
}
