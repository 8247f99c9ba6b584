import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountNotifier } from '../src/modules/auth/account-notifier';
import { createTestApp } from './support/test-app';
import { createUser, uniqueEmail } from './support/users';

describe('auth: e-mail verification and password reset', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  let notifier: AccountNotifier;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(getDataSourceToken());
    notifier = app.get(AccountNotifier);
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => app.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });

  /** Registers and returns the user id and the token the notifier was asked to send. */
  async function register(email = uniqueEmail('verify')) {
    const spy = jest.spyOn(notifier, 'emailVerification');
    const res = await post('/auth/register', {
      email,
      password: 'a fine long passphrase',
      name: 'V',
    });
    expect(res.statusCode).toBe(201);
    const userId = res.json().user.id;
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenCalledWith(userId, expect.stringMatching(/^[A-Za-z0-9_-]{43}$/));
    return { userId, email, token: spy.mock.calls[0][1], session: res.json() };
  }

  async function forgot(email: string) {
    const spy = jest.spyOn(notifier, 'passwordReset');
    const res = await post('/auth/password/forgot', { email });
    expect(res.statusCode).toBe(202);
    const token = spy.mock.calls[0]?.[1];
    spy.mockRestore();
    return token;
  }

  const verifiedAt = async (userId: string) =>
    (await db.query('SELECT email_verified_at FROM users WHERE id = $1', [userId]))[0]
      .email_verified_at;

  it('asks for the verification e-mail at register and stores only the token hash', async () => {
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
    const spy = jest.spyOn(notifier, 'emailVerification');
    spy.mockClear();
    const res = await post('/auth/verify-email/resend', {}, auth);
    expect(res.statusCode).toBe(202);
    expect(spy).toHaveBeenCalledWith(userId, expect.any(String));
    const fresh = spy.mock.calls[0][1];
    expect((await post('/auth/verify-email', { token: old })).statusCode).toBe(400);
    expect((await post('/auth/verify-email', { token: fresh })).statusCode).toBe(204);

    spy.mockClear();
    expect((await post('/auth/verify-email/resend', {}, auth)).statusCode).toBe(202);
    expect(spy).not.toHaveBeenCalled();
    expect((await post('/auth/verify-email/resend', {})).statusCode).toBe(401);
  });

  it('does not accept a verification token as a reset token', async () => {
    const { token } = await register();
    const res = await post('/auth/password/reset', { token, password: 'another long passphrase' });
    expect(res.statusCode).toBe(400);
  });

  it('answers forgot with 202 for unknown e-mails without asking for a message', async () => {
    const spy = jest.spyOn(notifier, 'passwordReset');
    const res = await post('/auth/password/forgot', { email: uniqueEmail('nobody') });
    expect(res.statusCode).toBe(202);
    expect(res.body).toBe('');
    expect(spy).not.toHaveBeenCalled();
    expect((await post('/auth/password/forgot', { email: 'not-an-email' })).statusCode).toBe(400);
  });

  it('sends no reset link to a deactivated account', async () => {
    const user = await createUser(app);
    await db.query('UPDATE users SET active = false WHERE id = $1', [user.id]);
    expect(await forgot(user.email)).toBeUndefined();
  });

  it('resets the password with the token, once, and signs out every session', async () => {
    const user = await createUser(app);
    const token = await forgot(user.email.toUpperCase());
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
    const token = await forgot(email);
    expect(
      (await post('/auth/password/reset', { token, password: 'a brand new passphrase' }))
        .statusCode,
    ).toBe(204);
    expect(await verifiedAt(userId)).not.toBeNull();
  });

  it('lets only one of two simultaneous resets with the same token through', async () => {
    const user = await createUser(app);
    const token = await forgot(user.email);
    const results = await Promise.all(
      ['first racing passphrase', 'second racing passphrase'].map((password) =>
        post('/auth/password/reset', { token, password }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([204, 400]);
  });

  it('refuses a weak new password without spending the token', async () => {
    const user = await createUser(app);
    const token = await forgot(user.email);
    const weak = await post('/auth/password/reset', { token, password: 'aaaaaaaaaaaa' });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().errors[0].field).toBe('password');
    expect(
      (await post('/auth/password/reset', { token, password: 'now a good passphrase' })).statusCode,
    ).toBe(204);
  });

  it('refuses an expired reset token and keeps the old password', async () => {
    const user = await createUser(app);
    const token = await forgot(user.email);
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
    const first = await forgot(user.email);
    const second = await forgot(user.email);
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
