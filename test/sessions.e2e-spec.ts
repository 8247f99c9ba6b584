import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
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
