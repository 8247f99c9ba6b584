import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { getDataSourceToken } from '@nestjs/typeorm';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import sharp from 'sharp';
import { multipartFile, TINY_PNG } from './support/multipart';
import { createTestApp } from './support/test-app';
import { createUser, TestUser, uniqueEmail } from './support/users';

describe('users: own account and admin', () => {
  let app: NestFastifyApplication;
  let db: DataSource;
  const avatars = join(process.env.UPLOAD_DIR!, 'avatars');
  const storedAvatars = () => (existsSync(avatars) ? readdirSync(avatars) : []);

  beforeAll(async () => {
    app = await createTestApp();
    db = app.get(getDataSourceToken());
  });
  afterAll(() => app.close());

  const call = (
    method: 'GET' | 'PATCH' | 'PUT' | 'DELETE' | 'POST',
    url: string,
    user?: TestUser,
    payload?: object,
  ) => app.inject({ method, url: `/api/v1${url}`, headers: user?.auth ?? {}, payload });

  describe('GET/PATCH /users/me', () => {
    it('returns the signed-in user and refuses anonymous callers', async () => {
      const user = await createUser(app);
      const res = await call('GET', '/users/me', user);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        id: user.id,
        email: user.email,
        roles: ['customer'],
        avatarUrl: null,
      });
      expect((await call('GET', '/users/me')).statusCode).toBe(401);
    });

    it('updates name, phone and a validated address, and clears them with null', async () => {
      const user = await createUser(app);
      const address = {
        line1: '1 Main Street',
        city: 'Berlin',
        postalCode: '10115',
        country: 'DE',
      };
      const res = await call('PATCH', '/users/me', user, {
        name: 'New Name',
        phone: '+49 30 1234567',
        address,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ name: 'New Name', phone: '+49 30 1234567', address });
      const cleared = await call('PATCH', '/users/me', user, { phone: null, address: null });
      expect(cleared.json()).toMatchObject({ name: 'New Name', phone: null, address: null });
    });

    it.each([
      [
        'a bad country code',
        { address: { line1: 'x', city: 'y', postalCode: '1', country: 'XX' } },
      ],
      ['an address without a city', { address: { line1: 'x', postalCode: '1', country: 'DE' } }],
      [
        'an unknown address field',
        { address: { line1: 'x', city: 'y', postalCode: '1', country: 'DE', evil: 1 } },
      ],
      ['an empty name', { name: '' }],
      ['a non-phone', { phone: 'call me maybe' }],
      ['an unknown field', { roles: ['admin'] }],
    ])('refuses %s with 400 and changes nothing', async (_why, body) => {
      const user = await createUser(app);
      const before = (await call('GET', '/users/me', user)).json();
      const res = await call('PATCH', '/users/me', user, body);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect((await call('GET', '/users/me', user)).json()).toEqual(before);
    });
  });

  describe('PUT /users/me/password', () => {
    it('changes the password and signs out the other sessions but not this one', async () => {
      const user = await createUser(app);
      const other = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
      const otherRefresh = other.json().refreshToken;
      const res = await call('PUT', '/users/me/password', user, {
        currentPassword: user.password,
        newPassword: 'my new long passphrase',
      });
      expect(res.statusCode).toBe(204);
      const refresh = (refreshToken: string) =>
        app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
      expect((await refresh(otherRefresh)).statusCode).toBe(401);
      expect((await refresh(user.refreshToken)).statusCode).toBe(200);
      const login = (password: string) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: user.email, password },
        });
      expect((await login(user.password)).statusCode).toBe(401);
      expect((await login('my new long passphrase')).statusCode).toBe(200);
    });

    it('refuses a wrong current password or a weak new one with 400', async () => {
      const user = await createUser(app);
      const wrong = await call('PUT', '/users/me/password', user, {
        currentPassword: 'not my password',
        newPassword: 'my new long passphrase',
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().errors[0].field).toBe('currentPassword');
      const weak = await call('PUT', '/users/me/password', user, {
        currentPassword: user.password,
        newPassword: 'aaaaaaaaaaaa',
      });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().errors[0].field).toBe('newPassword');
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
      expect(login.statusCode).toBe(200);
    });
  });

  describe('PUT /users/me/avatar', () => {
    const upload = (user: TestUser, data: Buffer, name?: string, type?: string) => {
      const body = multipartFile(data, name, type);
      return app.inject({
        method: 'PUT',
        url: '/api/v1/users/me/avatar',
        payload: body.payload,
        headers: { ...body.headers, ...user.auth },
      });
    };

    it('stores the image, serves it at avatarUrl and removes the previous one', async () => {
      const user = await createUser(app);
      const first = await upload(user, TINY_PNG);
      expect(first.statusCode).toBe(200);
      const firstUrl: string = first.json().avatarUrl;
      expect(firstUrl).toMatch(/^\/uploads\/avatars\/[0-9a-f-]{36}\.png$/);
      const served = await app.inject({ method: 'GET', url: firstUrl });
      expect(served.statusCode).toBe(200);
      expect(served.headers['content-type']).toBe('image/png');
      // Re-encoded and resized to 256 x 256, whatever was sent.
      expect(await sharp(served.rawPayload).metadata()).toMatchObject({
        format: 'png',
        width: 256,
        height: 256,
      });

      const second = await upload(user, TINY_PNG);
      const secondUrl: string = second.json().avatarUrl;
      expect(secondUrl).not.toBe(firstUrl);
      const files = storedAvatars();
      expect(files).toContain(secondUrl.split('/').pop());
      expect(files).not.toContain(firstUrl.split('/').pop());
      expect((await call('GET', '/users/me', user)).json().avatarUrl).toBe(secondUrl);
    });

    it('refuses a text file named .png with 415 and keeps the avatar', async () => {
      const user = await createUser(app);
      const before = storedAvatars().length;
      const res = await upload(
        user,
        Buffer.from('I am plain text, not a picture'),
        'me.png',
        'image/png',
      );
      expect(res.statusCode).toBe(415);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(storedAvatars()).toHaveLength(before);
      expect((await call('GET', '/users/me', user)).json().avatarUrl).toBeNull();
    });

    it('accepts an image just under 2 MB (above the JSON body limit)', async () => {
      const user = await createUser(app);
      const res = await upload(
        user,
        Buffer.concat([TINY_PNG, Buffer.alloc(2 * 1024 * 1024 - 1024)]),
      );
      expect(res.statusCode).toBe(200);
      expect(res.json().avatarUrl).toMatch(/\.png$/);
    });

    it('refuses an image over 2 MB with 413 and stores nothing', async () => {
      const user = await createUser(app);
      const before = storedAvatars().length;
      const big = Buffer.concat([TINY_PNG, Buffer.alloc(2 * 1024 * 1024)]);
      const res = await upload(user, big);
      expect(res.statusCode).toBe(413);
      expect(storedAvatars()).toHaveLength(before);
    });
  });

  describe('DELETE /users/me', () => {
    it('erases personal data, keeps the row, signs out and frees the e-mail', async () => {
      const user = await createUser(app);
      await call('PATCH', '/users/me', user, {
        phone: '+1 555 0100',
        address: { line1: 'a', city: 'b', postalCode: 'c', country: 'US' },
      });
      const avatar = multipartFile(TINY_PNG);
      const up = await app.inject({
        method: 'PUT',
        url: '/api/v1/users/me/avatar',
        payload: avatar.payload,
        headers: { ...avatar.headers, ...user.auth },
      });
      const avatarFile = up.json().avatarUrl.split('/').pop();

      expect(
        (await call('DELETE', '/users/me', user, { password: user.password })).statusCode,
      ).toBe(204);
      const [row] = await db.query('SELECT * FROM users WHERE id = $1', [user.id]);
      expect(row).toMatchObject({
        email: `deleted-${user.id}@deleted.invalid`,
        name: 'Deleted user',
        phone: null,
        address: null,
        avatar_file: null,
        active: false,
      });
      expect(row.deleted_at).not.toBeNull();
      expect(storedAvatars()).not.toContain(avatarFile);
      const [{ live }] = await db.query(
        'SELECT count(*)::int AS live FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
        [user.id],
      );
      expect(live).toBe(0);
      expect((await call('GET', '/users/me', user)).statusCode).toBe(401);
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: user.password },
      });
      expect(login.statusCode).toBe(401);
      const again = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: user.email, password: 'a fine long passphrase', name: 'Again' },
      });
      expect(again.statusCode).toBe(201);
    });
  });

  describe('admin', () => {
    let admin: TestUser;
    let merchant: TestUser;
    let customer: TestUser;

    beforeAll(async () => {
      admin = await createUser(app, 'admin');
      merchant = await createUser(app, 'merchant');
      customer = await createUser(app, 'customer');
    });

    it('refuses customers and merchants with 403', async () => {
      expect((await call('GET', '/admin/users', customer)).statusCode).toBe(403);
      expect((await call('GET', '/admin/users', merchant)).statusCode).toBe(403);
      const res = await call('PATCH', `/admin/users/${customer.id}`, merchant, {
        roles: ['customer', 'admin'],
      });
      expect(res.statusCode).toBe(403);
      const [row] = await db.query('SELECT roles FROM users WHERE id = $1', [customer.id]);
      expect(row.roles).toEqual(['customer']);
    });

    it('searches by e-mail or name and filters by role, with keyset pagination', async () => {
      const tag = `zz${Date.now().toString(36)}`;
      const made: TestUser[] = [];
      for (let i = 0; i < 5; i++)
        made.push(await createUser(app, i < 2 ? 'merchant' : 'customer', uniqueEmail(tag)));
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/admin/users?q=${tag.toUpperCase()}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await call('GET', query, admin);
        expect(page.statusCode).toBe(200);
        expect(page.json().items.length).toBeLessThanOrEqual(2);
        seen.push(...page.json().items.map((u: { id: string }) => u.id));
        cursor = page.json().nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(made.map((u) => u.id).sort());

      const merchants = await call('GET', `/admin/users?q=${tag}&role=merchant`, admin);
      expect(
        merchants
          .json()
          .items.map((u: { id: string }) => u.id)
          .sort(),
      ).toEqual(
        made
          .slice(0, 2)
          .map((u) => u.id)
          .sort(),
      );
      const byName = await call(
        'GET',
        `/admin/users?q=${encodeURIComponent('test MERCH')}&limit=100`,
        admin,
      );
      expect(byName.json().items.length).toBeGreaterThanOrEqual(2);
    });

    it.each([
      ['a forged cursor', '/admin/users?cursor=bm9wZQ'],
      ['a limit over 100', '/admin/users?limit=101'],
      ['an unknown role', '/admin/users?role=king'],
      ['an unknown parameter', '/admin/users?sort=evil'],
    ])('refuses %s with 400', async (_why, url) => {
      const res = await call('GET', url, admin);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });

    it('changes roles, which take effect at the next request', async () => {
      const target = await createUser(app);
      const res = await call('PATCH', `/admin/users/${target.id}`, admin, {
        roles: ['customer', 'merchant'],
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().roles).toEqual(['customer', 'merchant']);
      const promoted = await call('PATCH', `/admin/users/${target.id}`, admin, {
        roles: ['customer', 'admin'],
      });
      expect(promoted.statusCode).toBe(200);
      expect((await call('GET', '/admin/users?limit=1', target)).statusCode).toBe(200);
    });

    it('deactivates a user, who is locked out at once', async () => {
      const target = await createUser(app);
      const res = await call('PATCH', `/admin/users/${target.id}`, admin, { active: false });
      expect(res.statusCode).toBe(200);
      expect(res.json().active).toBe(false);
      expect((await call('GET', '/users/me', target)).statusCode).toBe(401);
      const refresh = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: target.refreshToken },
      });
      expect(refresh.statusCode).toBe(401);
    });

    it('refuses an admin removing their own admin role or deactivating themselves with 422', async () => {
      const self = await createUser(app, 'admin');
      expect(
        (await call('PATCH', `/admin/users/${self.id}`, self, { roles: ['customer'] })).statusCode,
      ).toBe(422);
      expect(
        (await call('PATCH', `/admin/users/${self.id}`, self, { active: false })).statusCode,
      ).toBe(422);
      const [row] = await db.query('SELECT roles, active FROM users WHERE id = $1', [self.id]);
      expect(row).toEqual({ roles: ['customer', 'admin'], active: true });
    });

    it.each([
      ['a non-UUID id', 'not-a-uuid', { active: true }, 400],
      ['an unknown id', '00000000-0000-4000-8000-000000000000', { active: true }, 404],
      ['an unknown role', null, { roles: ['king'] }, 400],
      ['no roles at all', null, { roles: [] }, 400],
      ['a non-boolean active', null, { active: 'yes' }, 400],
    ])('refuses %s', async (_why, id, body, status) => {
      const res = await call('PATCH', `/admin/users/${id ?? customer.id}`, admin, body);
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });
  });
});
