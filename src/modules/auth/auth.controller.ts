import { Body, Controller, Headers, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor, CurrentUser } from '../../common/decorators/current-user.decorator';
import { Public } from '../../common/decorators/public.decorator';
import { User } from '../users/entities/user.entity';
import { AuthService } from './auth.service';
import {
  LoginDto,
  RefreshDto,
  RegisterDto,
  SessionResponse,
  TokenPairResponse,
} from './dto/auth.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';

const CART_HEADER = {
  name: 'X-Cart-Id',
  required: false,
  description: 'A guest cart id; its items are merged into the account’s cart',
};

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @ApiOperation({ summary: 'Create a customer account and sign in' })
  @ApiHeader(CART_HEADER)
  @ApiCreatedResponse({ type: SessionResponse })
  @ApiBadRequestResponse({ description: 'Invalid fields or a weak password' })
  @ApiConflictResponse({ description: 'The e-mail is taken' })
  register(
    @Body() body: RegisterDto,
    @Headers('x-cart-id') cartId?: string,
  ): Promise<SessionResponse> {
    return this.auth.register(body, cartId);
  }

  @Public()
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with e-mail and password' })
  @ApiHeader(CART_HEADER)
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: SessionResponse })
  @ApiUnauthorizedResponse({ description: 'Unknown e-mail or wrong password (same answer)' })
  login(
    @Req() request: { user: User },
    @Headers('x-cart-id') cartId?: string,
  ): Promise<SessionResponse> {
    return this.auth.startSession(request.user, cartId);
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair',
    description: 'The token presented is spent. Presenting a spent token signs out its family.',
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiUnauthorizedResponse({ description: 'Invalid, expired or reused refresh token' })
  refresh(@Body() body: RefreshDto): Promise<TokenPairResponse> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke the refresh token presented' })
  @ApiNoContentResponse()
  @ApiUnauthorizedResponse()
  async logout(@CurrentUser() actor: Actor, @Body() body: RefreshDto): Promise<void> {
    await this.auth.logout(actor.id, body.refreshToken);
  }
}
