import { Body, Controller, Headers, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiAcceptedResponse,
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
import type { UserAccount } from '../users/users.service';
import { AuthService } from './auth.service';
import { AuthRateLimit, PasswordGuessLimit } from '../../common/http/auth-rate-limit';
import {
  EmailTokenDto,
  ForgotPasswordDto,
  LoginDto,
  RefreshDto,
  RegisterDto,
  ResetPasswordDto,
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
  @AuthRateLimit({ perEmail: false })
  @Post('register')
  @ApiOperation({
    summary: 'Create a customer account and sign in',
    description: 'A verification link is e-mailed (see `POST /auth/verify-email`).',
  })
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
  // Guards listed lower run first: the rate limit comes before the password check.
  @UseGuards(LocalAuthGuard)
  @PasswordGuessLimit()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with e-mail and password' })
  @ApiHeader(CART_HEADER)
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: SessionResponse })
  @ApiBadRequestResponse({ description: 'Malformed e-mail or missing password' })
  @ApiUnauthorizedResponse({ description: 'Unknown e-mail or wrong password (same answer)' })
  login(
    @Req() request: { user: UserAccount },
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
  @ApiBadRequestResponse({ description: 'Malformed body' })
  @ApiUnauthorizedResponse({ description: 'Invalid, expired or reused refresh token' })
  refresh(@Body() body: RefreshDto): Promise<TokenPairResponse> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Revoke the refresh token presented',
    description: 'Ends its session: access tokens of that session stop working at once.',
  })
  @ApiNoContentResponse({ description: 'Signed out (also when the token was already revoked)' })
  @ApiBadRequestResponse({ description: 'Malformed body' })
  @ApiUnauthorizedResponse({ description: 'No valid access token' })
  async logout(@CurrentUser() actor: Actor, @Body() body: RefreshDto): Promise<void> {
    await this.auth.logout(actor.id, body.refreshToken);
  }

  @Post('logout/all')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Sign out everywhere',
    description:
      'Revokes every session of the account, this one included: every access and refresh ' +
      'token stops working at once.',
  })
  @ApiNoContentResponse({ description: 'Every session ended' })
  @ApiUnauthorizedResponse({ description: 'No valid access token' })
  async logoutEverywhere(@CurrentUser() actor: Actor): Promise<void> {
    await this.auth.logoutEverywhere(actor.id);
  }

  @Public()
  @Post('verify-email')
  @HttpCode(204)
  @ApiOperation({ summary: 'Confirm the e-mail address with the token from the e-mail' })
  @ApiNoContentResponse({ description: 'The e-mail is verified' })
  @ApiBadRequestResponse({ description: 'Malformed, unknown, used or expired token' })
  async verifyEmail(@Body() body: EmailTokenDto): Promise<void> {
    await this.auth.verifyEmail(body.token);
  }

  @AuthRateLimit({ perEmail: false })
  @Post('verify-email/resend')
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'E-mail a new verification link',
    description: 'The previous link stops working. Nothing is sent once the e-mail is verified.',
  })
  @ApiAcceptedResponse({ description: 'A new link is on its way (unless already verified)' })
  @ApiUnauthorizedResponse({ description: 'No valid access token' })
  async resendVerification(@CurrentUser() actor: Actor): Promise<void> {
    await this.auth.resendVerification(actor);
  }

  @Public()
  @AuthRateLimit({ perEmail: true })
  @Post('password/forgot')
  @HttpCode(202)
  @ApiOperation({
    summary: 'E-mail a password-reset link',
    description:
      'Answers 202 whether or not an account has this e-mail, after the same work either way ' +
      '(one queued job; the worker decides whether to send a link).',
  })
  @ApiAcceptedResponse({ description: 'A link is on its way if the account exists' })
  @ApiBadRequestResponse({ description: 'Malformed e-mail' })
  async forgotPassword(@Body() body: ForgotPasswordDto): Promise<void> {
    await this.auth.forgotPassword(body.email);
  }

  @Public()
  @AuthRateLimit({ perEmail: false })
  @Post('password/reset')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Set a new password with the token from the reset e-mail',
    description: 'The token works once; every session of the account is signed out.',
  })
  @ApiNoContentResponse({ description: 'Password changed' })
  @ApiBadRequestResponse({ description: 'Weak password, or unknown, used or expired token' })
  async resetPassword(@Body() body: ResetPasswordDto): Promise<void> {
    await this.auth.resetPassword(body);
  }
}
