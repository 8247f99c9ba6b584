import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { createTestApp } from './support/test-app';
import { createUser, uniqueEmail } from './support/users';

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signHs256(payload: object, secret: string): string {
  const head = `${base64url({ alg: 'HS256', typ: 'JWT' })}.${base64url(payload)}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}

describe('auth: register, login, tokens', () => {
  let app: NestFastifyApplication;
  let db: DataSource;

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(getDataSourceToken());
  });
  afterAll(() => app.close());

  const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/api/v1${url}`, payload, headers });

  it('registers a customer and returns a session', async () => {
    const email = uniqueEmail('reg');
    const res = await post('/auth/register', {
      email: `  ${email.toUpperCase()} `,
      password: 'a fine long passphrase',
      name: 'Ada',
    });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({
      email,
      name: 'Ada',
      roles: ['customer'],
      emailVerified: false,
    });
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.expiresIn).toBe(900);
    const [stored] = await db.query('SELECT token_hash FROM refresh_tokens WHERE user_id = $1', [
      body.user.id,
    ]);
    expect(stored.token_hash).not.toBe(body.refreshToken);
  });

  it('refuses a taken e-mail with 409', async () => {
    const email = uniqueEmail('dup');
    const payload = { email, password: 'a fine long passphrase', name: 'A' };
    expect((await post('/auth/register', payload)).statusCode).toBe(201);
    const again = await post('/auth/register', { ...payload, email: email.toUpperCase() });
    expect(again.statusCode).toBe(409);
    expect(again.json().type).toBe('/problems/conflict');
  });

  it.each([
    ['too short', 'short1'],
    ['made of the e-mail', 'WEAKLING-mail-1'],
    ['too few distinct characters', 'aaaaaaaaaaaa'],
  ])('refuses a weak password (%s) with 400 and creates nothing', async (_why, password) => {
    const email = 'weakling-mail@example.com';
    const res = await post('/auth/register', { email, password, name: 'W' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe('password');
    const rows = await db.query('SELECT 1 FROM users WHERE email = $1', [email]);
    expect(rows).toHaveLength(0);
  });

  it('answers a malformed login with 400 and wrong credentials with one 401', async () => {
    const user = await createUser(app);
    expect((await post('/auth/login', { email: 'not-an-email' })).statusCode).toBe(400);
    const wrong = await post('/auth/login', { email: user.email, password: 'wrong password!' });
    const unknown = await post('/auth/login', {
      email: uniqueEmail('ghost'),
      password: 'wrong password!',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().detail).toBe(unknown.json().detail);
  });

  it('rotates refresh tokens and revokes the family when a spent one comes back', async () => {
    const user = await createUser(app);
    const first = await post('/auth/refresh', { refreshToken: user.refreshToken });
    expect(first.statusCode).toBe(200);
    const second = first.json().refreshToken;
    expect(second).not.toBe(user.refreshToken);

    const reuse = await post('/auth/refresh', { refreshToken: user.refreshToken });
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json().detail).toMatch(/already used/);
    // The thief's copy of the newest token is dead too.
    expect((await post('/auth/refresh', { refreshToken: second })).statusCode).toBe(401);
  });

  it('logs out by revoking the token presented', async () => {
    const user = await createUser(app);
    const res = await post('/auth/logout', { refreshToken: user.refreshToken }, user.auth);
    expect(res.statusCode).toBe(204);
    expect((await post('/auth/refresh', { refreshToken: user.refreshToken })).statusCode).toBe(401);
    expect((await post('/auth/logout', { refreshToken: user.refreshToken })).statusCode).toBe(401);
  });

  describe('access tokens', () => {
    let user: Awaited<ReturnType<typeof createUser>>;
    const now = () => Math.floor(Date.now() / 1000);
    const logoutWith = (token: string) =>
      post('/auth/logout', { refreshToken: 'x'.repeat(43) }, { authorization: `Bearer ${token}` });

    beforeAll(async () => {
      user = await createUser(app);
    });

    it('accepts a valid one', async () => {
      expect((await logoutWith(user.accessToken)).statusCode).toBe(204);
    });

    it('refuses an expired one', async () => {
      const secret = 'dev-only-access-secret-change-me-in-production';
      const token = signHs256(
        { sub: user.id, roles: ['customer'], iat: now() - 100, exp: now() - 10 },
        secret,
      );
      const res = await logoutWith(token);
      expect(res.statusCode).toBe(401);
      expect(res.json().detail).toMatch(/expired/);
    });

    it('refuses one that expires after it was accepted (no verified token outlives its exp)', async () => {
      const secret = 'dev-only-access-secret-change-me-in-production';
      const { sid } = JSON.parse(
        Buffer.from(user.accessToken.split('.')[1], 'base64url').toString(),
      ) as { sid: string };
      // Seconds: `now() + 1` could be a millisecond away when the clock is near a second's end,
      // and the token expire before the second request (a flake on a slow machine).
      const exp = now() + 3;
      const token = signHs256({ sub: user.id, roles: ['customer'], sid, exp }, secret);
      expect((await logoutWith(token)).statusCode).toBe(204);
      expect((await logoutWith(token)).statusCode).toBe(204);
      while (now() < exp) await new Promise((resolve) => setTimeout(resolve, 50));
      const res = await logoutWith(token);
      expect(res.statusCode).toBe(401);
      expect(res.json().detail).toMatch(/expired/);
    });

    it('refuses a tampered one', async () => {
      const [head, , sig] = user.accessToken.split('.');
      const forged = `${head}.${base64url({ sub: user.id, roles: ['admin'], exp: now() + 600 })}.${sig}`;
      expect((await logoutWith(forged)).statusCode).toBe(401);
    });

    it('refuses alg: none', async () => {
      const token = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ sub: user.id, roles: ['admin'], exp: now() + 600 })}.`;
      expect((await logoutWith(token)).statusCode).toBe(401);
    });

    it('refuses one signed with another secret', async () => {
      const token = signHs256(
        { sub: user.id, roles: ['customer'], exp: now() + 600 },
        'another-secret-of-some-length',
      );
      expect((await logoutWith(token)).statusCode).toBe(401);
    });

    it('stops working at the next request once the user is deactivated', async () => {
      const victim = await createUser(app);
      expect((await logoutWith(victim.accessToken)).statusCode).toBe(204);
      await db.query('UPDATE users SET active = false WHERE id = $1', [victim.id]);
      expect((await logoutWith(victim.accessToken)).statusCode).toBe(401);
      const login = await post('/auth/login', { email: victim.email, password: victim.password });
      expect(login.statusCode).toBe(401);
      expect((await post('/auth/refresh', { refreshToken: victim.refreshToken })).statusCode).toBe(
        401,
      );
    });
  });
});
