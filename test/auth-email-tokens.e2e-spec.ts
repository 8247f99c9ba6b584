import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { createTestApp } from './support/test-app';
import { createUser, uniqueEmail } from './support/users';

describe('auth: e-mail verification and password reset', () => {
  let app: NestFastifyApplication;
  let db: DataSource;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(getDataSourceToken());
  });
  afterAll(() => app.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });

  /** The tokens of the account e-mails queued (as outbox rows) for a user, oldest first. */
  async function queuedTokens(
    name: 'verify-email' | 'password-reset',
    userId: string,
  ): Promise<string[]> {
    const rows: { queue: string; payload: { token: string } }[] = await db.query(
      `SELECT queue, payload FROM outbox WHERE name = $1 AND payload->>'userId' = $2 ORDER BY id`,
      [name, userId],
    );
    for (const row of rows) expect(row.queue).toBe('mail');
    return rows.map((r) => r.payload.token);
  }

  /** Registers and returns the user id and the token of the verification e-mail queued. */
  async function register(email = uniqueEmail('verify')) {
    const res = await post('/auth/register', {
      email,
      password: 'a fine long passphrase',
      name: 'V',
    });
    expect(res.statusCode).toBe(201);
    const userId = res.json().user.id;
    const tokens = await queuedTokens('verify-email', userId);
    expect(tokens).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{43}$/)]);
    return { userId, email, token: tokens[0], session: res.json() };
  }

  /** Asks for a reset and returns the token of the reset e-mail it queued, if any. */
  async function forgot(email: string, userId: string) {
    const before = await queuedTokens('password-reset', userId);
    const res = await post('/auth/password/forgot', { email });
    expect(res.statusCode).toBe(202);
    const after = await queuedTokens('password-reset', userId);
    return after.length > before.length ? after[after.length - 1] : undefined;
  }

  const verifiedAt = async (userId: string) =>
    (await db.query('SELECT email_verified_at FROM users WHERE id = $1', [userId]))[0]
      .email_verified_at;

  it('queues the verification e-mail at register and stores only the token hash', async () => {
    const { userId, token } = await register();
    const rows = await db.query(
      'SELECT token_hash, purpose, expires_at FROM user_tokens WHERE user_id = $1',
      [userId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].purpose).toBe('verify-email');
    expect(rows[0].token_hash).not.toContain(token);
    const hours = (new Date(rows[0].expires_at).getTime() - Date.now()) / 3_600_000;
    expect(Math.round(hours)).toBe(48);
  });

  it('verifies the e-mail with the token, once', async () => {
    const { userId, token, session } = await register();
    expect(await verifiedAt(userId)).toBeNull();
    expect((await post('/auth/verify-email', { token })).statusCode).toBe(204);
    expect(await verifiedAt(userId)).not.toBeNull();
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    expect(me.json().emailVerified).toBe(true);

    const again = await post('/auth/verify-email', { token });
    expect(again.statusCode).toBe(400);
    expect(again.headers['content-type']).toContain('application/problem+json');
  });

  it('refuses an expired, unknown or malformed verification token and changes nothing', async () => {
    const { userId, token } = await register();
    await db.query(
      `UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [userId],
    );
    expect((await post('/auth/verify-email', { token })).statusCode).toBe(400);
    expect((await post('/auth/verify-email', { token: 'x'.repeat(43) })).statusCode).toBe(400);
    expect((await post('/auth/verify-email', { token: 42 })).statusCode).toBe(400);
    expect((await post('/auth/verify-email', {})).statusCode).toBe(400);
    expect(await verifiedAt(userId)).toBeNull();
  });

  it('resends the verification link, voiding the old one, and sends none once verified', async () => {
    const { userId, token: old, session } = await register();
    const auth = { authorization: `Bearer ${session.accessToken}` };
    const res = await post('/auth/verify-email/resend', {}, auth);
    expect(res.statusCode).toBe(202);
    const tokens = await queuedTokens('verify-email', userId);
    expect(tokens).toHaveLength(2);
    const fresh = tokens[1];
    expect((await post('/auth/verify-email', { token: old })).statusCode).toBe(400);
    expect((await post('/auth/verify-email', { token: fresh })).statusCode).toBe(204);

    expect((await post('/auth/verify-email/resend', {}, auth)).statusCode).toBe(202);
    expect(await queuedTokens('verify-email', userId)).toHaveLength(2);
    expect((await post('/auth/verify-email/resend', {})).statusCode).toBe(401);
  });

  it('does not accept a verification token as a reset token', async () => {
    const { token } = await register();
    const res = await post('/auth/password/reset', { token, password: 'another long passphrase' });
    expect(res.statusCode).toBe(400);
  });

  it('answers forgot with 202 for unknown e-mails, queueing one job for no account', async () => {
    const noAccount = async () =>
      Number(
        (
          await db.query(
            `SELECT count(*) FROM outbox WHERE name = 'password-reset'
                AND payload->>'userId' = '00000000-0000-0000-0000-000000000000'`,
          )
        )[0].count,
      );
    const before = await noAccount();
    const res = await post('/auth/password/forgot', { email: uniqueEmail('nobody') });
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('');
    // The same work as for an account: the mail worker finds nobody and skips it.
    expect(await noAccount()).toBe(before + 1);
    expect((await post('/auth/password/forgot', { email: 'not-an-email' })).statusCode).toBe(400);
  });

  it('sends no reset link to a deactivated account', async () => {
    const user = await createUser(app);
    await db.query('UPDATE users SET active = false WHERE id = $1', [user.id]);
    expect(await forgot(user.email, user.id)).toBeUndefined();
  });

  it('resets the password with the token, once, and signs out every session', async () => {
    const user = await createUser(app);
    const token = await forgot(user.email.toUpperCase(), user.id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const res = await post('/auth/password/reset', { token, password: 'a brand new passphrase' });
    expect(res.statusCode).toBe(204);
    expect((await post('/auth/refresh', { refreshToken: user.refreshToken })).statusCode).toBe(401);
    expect(
      (await post('/auth/login', { email: user.email, password: user.password })).statusCode,
    ).toBe(401);
    const login = await post('/auth/login', {
      email: user.email,
      password: 'a brand new passphrase',
    });
    expect(login.statusCode).toBe(200);

    const again = await post('/auth/password/reset', { token, password: 'yet another passphrase' });
    expect(again.statusCode).toBe(400);
  });

  it('counts a completed reset as proof of the e-mail address', async () => {
    const { userId, email } = await register();
    const token = await forgot(email, userId);
    expect(
      (await post('/auth/password/reset', { token, password: 'a brand new passphrase' }))
        .statusCode,
    ).toBe(204);
    expect(await verifiedAt(userId)).not.toBeNull();
  });

  it('lets only one of two simultaneous resets with the same token through', async () => {
    const user = await createUser(app);
    const token = await forgot(user.email, user.id);
    const results = await Promise.all(
      ['first racing passphrase', 'second racing passphrase'].map((password) =>
        post('/auth/password/reset', { token, password }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 400]);
  });

  it('refuses a weak new password without spending the token', async () => {
    const user = await createUser(app);
    const token = await forgot(user.email, user.id);
    const weak = await post('/auth/password/reset', { token, password: 'aaaaaaaaaaaa' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().errors[0].field).toBe('password');
    expect(
      (await post('/auth/password/reset', { token, password: 'now a good passphrase' })).statusCode,
    ).toBe(204);
  });

  it('refuses an expired reset token and keeps the old password', async () => {
    const user = await createUser(app);
    const token = await forgot(user.email, user.id);
    await db.query(
      `UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
      [user.id],
    );
    const res = await post('/auth/password/reset', { token, password: 'a brand new passphrase' });
    expect(res.statusCode).toBe(400);
    expect(
      (await post('/auth/login', { email: user.email, password: user.password })).statusCode,
    ).toBe(200);
  });

  it('invalidates an older reset token when a new one is issued', async () => {
    const user = await createUser(app);
    const first = await forgot(user.email, user.id);
    const second = await forgot(user.email, user.id);
    expect(second).not.toBe(first);
    expect(
      (await post('/auth/password/reset', { token: first, password: 'a brand new passphrase' }))
        .statusCode,
    ).toBe(400);
    expect(
      (await post('/auth/password/reset', { token: second, password: 'a brand new passphrase' }))
        .statusCode,
    ).toBe(204);
  });
});
