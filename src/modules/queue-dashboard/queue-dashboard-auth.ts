import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ForbiddenError, UnauthorizedError } from '../../common/errors/domain-errors';
import { appConfig, AppConfig, authConfig, AuthConfig } from '../../config';
import { UserAccount, UsersService } from '../users/users.service';
import type { AccessTokenPayload } from '../auth/token.service';

export const DASHBOARD_PATH = '/admin/queues';
export const DASHBOARD_COOKIE = 'queue_dashboard';
/** Lifetime of the dashboard session cookie. */
export const DASHBOARD_SESSION_SECONDS = 15 * 60;
const AUDIENCE = 'queue-dashboard';

/**
 * Who may open Bull Board: an active admin, by bearer access token or by the dashboard session
 * cookie (a short-lived HS256 token under a key derived from the access-token secret, so the
 * cookie is never accepted as an API access token). The user is re-read on every request:
 * a deactivated user or a removed admin role loses access at once.
 */
@Injectable()
export class QueueDashboardAuth {
  private readonly sessionKey: string;

  constructor(
    @Inject(authConfig.KEY) private readonly auth: AuthConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    private readonly users: UsersService,
    private readonly jwt: JwtService,
  ) {
    this.sessionKey = createHash('sha256').update(`${AUDIENCE}:${auth.accessSecret}`).digest('hex');
  }

  /** The admin behind the request's bearer token or session cookie; 401 or 403 otherwise. */
  async authorize(headers: IncomingHttpHeaders): Promise<UserAccount> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    if (bearer) return this.adminFromAccessToken(bearer);
    const session = readCookie(headers.cookie, DASHBOARD_COOKIE);
    if (session) return this.requireAdmin(await this.verify(session, this.sessionKey, AUDIENCE));
    throw new UnauthorizedError(
      'Sign in as an admin: a bearer access token, or POST /admin/queues/login for a session.',
    );
  }

  adminFromAccessToken(token: string): Promise<UserAccount> {
    return this.verify(token, this.auth.accessSecret).then((sub) => this.requireAdmin(sub));
  }

  /** The `Set-Cookie` value of a new dashboard session for `user`. */
  async sessionCookie(user: UserAccount): Promise<string> {
    const token = await this.jwt.signAsync(
      { sub: user.id },
      {
        secret: this.sessionKey,
        algorithm: 'HS256',
        audience: AUDIENCE,
        expiresIn: DASHBOARD_SESSION_SECONDS,
      },
    );
    return this.cookie(token, DASHBOARD_SESSION_SECONDS);
  }

  /** The `Set-Cookie` value that ends the session. */
  clearedCookie(): string {
    return this.cookie('', 0);
  }

  private cookie(value: string, maxAge: number): string {
    const secure = this.app.env === 'production' ? '; Secure' : '';
    return `${DASHBOARD_COOKIE}=${value}; Path=${DASHBOARD_PATH}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure}`;
  }

  private async verify(token: string, secret: string, audience?: string): Promise<string> {
    try {
      const payload = await this.jwt.verifyAsync<AccessTokenPayload & { aud?: string }>(token, {
        secret,
        algorithms: ['HS256'],
        ...(audience ? { audience } : {}),
      });
      // An access token never carries an audience; a dashboard session never works as one.
      if (!audience && payload.aud !== undefined) throw new Error('not an access token');
      return payload.sub;
    } catch {
      throw new UnauthorizedError('The token or session is invalid or expired; sign in again.');
    }
  }

  /** The active admin with this id; 401 or 403 otherwise. */
  async requireAdmin(userId: string): Promise<UserAccount> {
    const user = await this.users.findById(userId);
    if (!user || !user.active || user.deletedAt) {
      throw new UnauthorizedError('This account is not active.');
    }
    if (!user.roles.includes('admin')) {
      throw new ForbiddenError('The queue dashboard is for admins only.');
    }
    return user;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim();
      return value || undefined;
    }
  }
  return undefined;
}
