import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsString, Length, MaxLength } from 'class-validator';
import { UserResponse } from '../../users/dto/user.response';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../users/password-policy';

const trimmed = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim() : value;

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: 254 })
  @Transform(trimmed)
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    example: 'correct horse battery',
  })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  password!: string;

  @ApiProperty({ example: 'Ada Lovelace', maxLength: 120 })
  @Transform(trimmed)
  @IsString()
  @Length(1, 120)
  name!: string;
}

export class LoginDto {
  @ApiProperty({ example: 'customer@shop.local' })
  @Transform(trimmed)
  @IsEmail()
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'customer-demo-password' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX)
  password!: string;
}

export class RefreshDto {
  @ApiProperty({ description: 'The refresh token from login, register or the last refresh' })
  @IsString()
  @Length(20, 200)
  refreshToken!: string;
}

export class TokenPairResponse {
  @ApiProperty({ description: 'JWT for `Authorization: Bearer …`' }) accessToken!: string;
  @ApiProperty({ description: 'Opaque; single use: each refresh returns a new one' })
  refreshToken!: string;
  @ApiProperty({ description: 'Access-token lifetime in seconds', example: 900 })
  expiresIn!: number;
}

export class SessionResponse extends TokenPairResponse {
  @ApiProperty({ type: UserResponse }) user!: UserResponse;
}

export class EmailTokenDto {
  @ApiProperty({ description: 'The token from the link in the e-mail' })
  @IsString()
  @Length(20, 200)
  token!: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'customer@shop.local' })
  @Transform(trimmed)
  @IsEmail()
  @MaxLength(254)
  email!: string;
}

export class ResetPasswordDto extends EmailTokenDto {
  @ApiProperty({
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    example: 'a new long passphrase',
  })
  @IsString()
  @Length(PASSWORD_MIN, PASSWORD_MAX)
  password!: string;
}
