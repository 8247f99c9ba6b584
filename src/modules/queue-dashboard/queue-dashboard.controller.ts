import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/decorators/public.decorator';
import { PasswordGuessLimit } from '../../common/http/auth-rate-limit';
import { AuthService, INVALID_CREDENTIALS } from '../auth/auth.service';
import { ForbiddenError, UnauthorizedError } from '../../common/errors/domain-errors';
import type { UserAccount } from '../users/users.service';
import { DashboardLoginDto } from './dashboard-login.dto';
import { DASHBOARD_SESSION_SECONDS, QueueDashboardAuth } from './queue-dashboard-auth';

/** Session cookie for the Bull Board UI at /admin/queues (a browser cannot send a bearer token). */
@ApiTags('operations')
@Controller('admin/queues')
export class QueueDashboardController {
  constructor(
    private readonly dashboard: QueueDashboardAuth,
    private readonly auth: AuthService,
  ) {}

  @Public()
  @PasswordGuessLimit()
  @Post('login')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Open a queue dashboard session (admins)',
    description:
      'Send an admin access token, or an admin e-mail and password. Sets an HttpOnly, ' +
      `SameSite=Strict session cookie (Secure in production) for /admin/queues, valid ` +
      `${DASHBOARD_SESSION_SECONDS / 60} minutes; then open /admin/queues in the browser.`,
  })
  @ApiNoContentResponse({ description: 'Session cookie set' })
  @ApiBadRequestResponse({ description: 'Neither a token nor an e-mail and password' })
  @ApiUnauthorizedResponse({
    description: 'Invalid token, or wrong credentials or not an admin (one answer for both)',
  })
  @ApiForbiddenResponse({ description: 'The access token is not an admin’s' })
  async login(
    @Body() body: DashboardLoginDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const user = body.accessToken
      ? await this.dashboard.adminFromAccessToken(body.accessToken)
      : await this.adminByPassword(body.email!, body.password!);
    void reply.header('set-cookie', await this.dashboard.sessionCookie(user));
  }

  /** The same 401 for a wrong password and for a user who is not an admin (no account probing). */
  private async adminByPassword(email: string, password: string): Promise<UserAccount> {
    const user = await this.auth.validateCredentials(email, password);
    try {
      return await this.dashboard.requireAdmin(user.id);
    } catch (error) {
      if (error instanceof ForbiddenError) throw new UnauthorizedError(INVALID_CREDENTIALS);
      throw error;
    }
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the queue dashboard session (clears its cookie)' })
  @ApiNoContentResponse({ description: 'Cookie cleared' })
  logout(@Res({ passthrough: true }) reply: FastifyReply): void {
    void reply.header('set-cookie', this.dashboard.clearedCookie());
  }
}
