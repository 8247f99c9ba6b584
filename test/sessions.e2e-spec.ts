import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { JwtService } from '@nestjs/jwt';
import { authConfig, AuthConfig } from '../src/config';
import { createBuyers } from './support/buyers';
import { countRoundTrips } from './support/round-trips';
import { createTestApp } from './support/test-app';
import { createUser, TestUser } from './support/users';

/** An access token works only while its session (refresh-token family) is live. */
describe('sessions that end', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app.close());

  const me = (user: Pick<TestUser, 'auth'>) =>
    app.inject({ method: 'GET', url: '/api/v1/users/me', headers: user.auth });

  const login = async (user: TestUser) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: user.password },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    return {
      refreshToken: body.refreshToken as string,
      auth: { authorization: `Bearer ${body.accessToken}` },
    };
  };

  /**
   * Signs a new user in twice (this session and another), runs `act` with this session (an
   * HTTP call answering `expected.act`, or a change made directly), then checks which of the
   * two sessions still reaches `/users/me`.
   */
  const expectSessionsAfter = async (
    act: (user: TestUser) => Promise<{ statusCode: number }>,
    expected: { act: number; thisSession: number; otherSession: number },
  ) => {
    const user = await createUser(app);
    const other = await login(user);
    expect((await me(user)).statusCode).toBe(200);
    expect((await act(user)).statusCode).toBe(expected.act);
    const after = await me(user);
    expect(after.statusCode).toBe(expected.thisSession);
    if (after.statusCode === 401) {
      expect(after.headers['content-type']).toContain('application/problem+json');
    }
    expect((await me(other)).statusCode).toBe(expected.otherSession);
  };

  it('ends access at once on logout', async () => {
    await expectSessionsAfter(
      (user) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/auth/logout',
          headers: user.auth,
          payload: { refreshToken: user.refreshToken },
        }),
      { act: 204, thisSession: 401, otherSession: 200 },
    );
  });

  it('keeps a session working across refresh rotations', async () => {
    const user = await createUser(app);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: user.refreshToken },
    });
    expect(res.statusCode).toBe(200);
    // The old access token belongs to the same (still live) session.
    expect((await me(user)).statusCode).toBe(200);
    expect(
      (await me({ auth: { authorization: `Bearer ${res.json().accessToken}` } })).statusCode,
    ).toBe(200);
  });

  it('ends every session with sign-out everywhere', async () => {
    await expectSessionsAfter(
      (user) => app.inject({ method: 'POST', url: '/api/v1/auth/logout/all', headers: user.auth }),
      { act: 204, thisSession: 401, otherSession: 401 },
    );
  });

  it('ends the other sessions at once on a password change, not this one', async () => {
    await expectSessionsAfter(
      (user) =>
        app.inject({
          method: 'PUT',
          url: '/api/v1/users/me/password',
          headers: user.auth,
          payload: { currentPassword: user.password, newPassword: 'another fine passphrase' },
        }),
      { act: 204, thisSession: 200, otherSession: 401 },
    );
  });

  it('ends access at once on deactivation', async () => {
    await expectSessionsAfter(
      // The admin route (PATCH /admin/users/:id) is users.e2e-spec.ts's; here the row itself.
      async (user) => {
        await app.get(DataSource).query(`UPDATE users SET active = false WHERE id = $1`, [user.id]);
        return me(user);
      },
      { act: 401, thisSession: 401, otherSession: 401 },
    );
  });

  describe('the session checks of concurrent requests', () => {
    it('go to PostgreSQL together, each answered for its own user and session', async () => {
      const buyers = await createBuyers(app, 24);
      const ended = buyers.filter((_, i) => i % 3 === 0);
      await app
        .get(DataSource)
        .query(`UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = ANY($1::uuid[])`, [
          ended.map((b) => b.id),
        ]);
      const trips = countRoundTrips(app);
      const before = trips.count();
      const answers = await Promise.all(buyers.map((buyer) => me(buyer)));
      const used = trips.count() - before;
      answers.forEach((res, i) => {
        if (i % 3 === 0) {
          expect(res.statusCode).toBe(401);
        } else {
          expect(res.statusCode).toBe(200);
          expect(res.json()).toMatchObject({ id: buyers[i].id, email: buyers[i].email });
        }
      });
      // One statement per request would be 24; the first goes alone, the others after it.
      expect(used).toBeGreaterThan(0);
      expect(used).toBeLessThanOrEqual(4);
    });

    it('refuse a signed token whose session is no uuid with 401, and the others still pass', async () => {
      const [buyer] = await createBuyers(app, 1);
      const config = app.get<AuthConfig>(authConfig.KEY);
      const forged = new JwtService({ secret: config.accessSecret });
      const token = await forged.signAsync(
        { sub: buyer.id, roles: ['customer'], sid: "x' OR true --" },
        { algorithm: 'HS256', expiresIn: 60 },
      );
      const [bad, good] = await Promise.all([
        me({ auth: { authorization: `Bearer ${token}` } }),
        me(buyer),
      ]);
      expect(bad.statusCode).toBe(401);
      expect(bad.headers['content-type']).toContain('application/problem+json');
      expect(good.statusCode).toBe(200);
    });
  });

  describe('DELETE /users/me', () => {
    it('requires the current password, and a stolen token alone cannot delete', async () => {
      const user = await createUser(app);
      const none = await app.inject({
        method: 'DELETE',
        url: '/api/v1/users/me',
        headers: user.auth,
      });
      expect(none.statusCode).toBe(400);
      const wrong = await app.inject({
        method: 'DELETE',
        url: '/api/v1/users/me',
        headers: user.auth,
        payload: { password: 'not my password at all' },
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().errors).toEqual([expect.objectContaining({ field: 'password' })]);
      expect((await me(user)).statusCode).toBe(200);

      const right = await app.inject({
        method: 'DELETE',
        url: '/api/v1/users/me',
        headers: user.auth,
        payload: { password: user.password },
      });
      expect(right.statusCode).toBe(204);
      expect((await me(user)).statusCode).toBe(401);
    });
  });

  describe('common passwords', () => {
    it.each(['1234567890', 'password12', 'qwertyuiop'])(
      'refuses %p at registration with a clear message',
      async (password) => {
        const res = await app.inject({
          method: 'POST',
          url: '/api/v1/auth/register',
          payload: { email: `common-${Date.now()}-${password}@example.com`, password, name: 'C' },
        });
        expect(res.statusCode).toBe(400);
        expect(JSON.stringify(res.json().errors)).toMatch(/common/);
      },
    );

    it('refuses a common password as a new password', async () => {
      const user = await createUser(app);
      const res = await app.inject({
        method: 'PUT',
        url: '/api/v1/users/me/password',
        headers: user.auth,
        payload: { currentPassword: user.password, newPassword: 'password12' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([expect.objectContaining({ field: 'newPassword' })]);
    });
  });
});
