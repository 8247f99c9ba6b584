import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { execFile } from 'node:child_process';
import { createServer, Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEMO_ACCOUNTS } from '../src/modules/users/demo-accounts';
import { UsersService } from '../src/modules/users/users.service';
import { createMerchant, createProduct } from './support/catalog';
import { createTestApp } from './support/test-app';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/** Runs an entry point as `npm start` / `npm run …` would; resolves with its exit and output. */
async function entry(file: string, args: string[] = [], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(
      join(ROOT, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', file, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 90_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('first run and operator commands', () => {
  // Each case boots TypeScript entry points in child processes: slow on a busy 2-core machine.
  jest.setTimeout(180_000);

  it('npm start with bad settings names each variable, without a stack trace, and exits 1', async () => {
    const bad = { PORT: 'abc', TAX_RATE_BPS: 'abc', JWT_ACCESS_TTL: 'forever' };
    const result = await entry('src/dev.ts', [], bad);
    expect(result.code).toBe(1);
    for (const name of Object.keys(bad)) expect(result.stderr).toContain(`${name}:`);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('fails on a port clash before anything starts, and never says it started', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const result = await entry('src/main.ts', [], { PORT: String(port), LOG_LEVEL: 'info' });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Port ${port} is already in use`);
      expect(result.stdout + result.stderr).not.toMatch(/started|listening/i);
    } finally {
      blocker.close();
    }
  });

  it('migration:run says the schema is up to date', async () => {
    const result = await entry('src/database/migrate.ts');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('up to date') });
  });

  it('cli --help exits 0 with the commands and no Nest start-up lines', async () => {
    const result = await entry('src/cli.ts', ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('user:create');
    expect(result.stdout + result.stderr).not.toContain('[Nest]');
  });

  it('cli user:create for a new user without --password says how to create it', async () => {
    const result = await entry('src/cli.ts', [
      'user:create',
      '--email',
      `nopass-${Date.now()}@example.com`,
      '--role',
      'merchant',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('pass --password');
    expect(result.stderr).not.toContain('[Nest]');
  });

  describe('the demo customer', () => {
    let app: NestFastifyApplication;
    afterAll(() => app.close());

    it('has a saved address, so a first checkout needs no extra input', async () => {
      app = await createTestApp();
      const demo = DEMO_ACCOUNTS.find((a) => a.role === 'customer')!;
      await app.get(UsersService).createOrGrant(demo);
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: demo.email, password: demo.password },
      });
      const auth = { authorization: `Bearer ${login.json().accessToken}` };
      const variantId = (await createProduct(app, await createMerchant(app))).variants[0].id;
      const add = await app.inject({
        method: 'POST',
        url: '/api/v1/cart/items',
        headers: auth,
        payload: { variantId, quantity: 1 },
      });
      expect(add.statusCode).toBe(200);
      const order = await app.inject({
        method: 'POST',
        url: '/api/v1/checkout',
        headers: { ...auth, 'idempotency-key': `demo-${Date.now()}` },
        payload: {},
      });
      expect([order.statusCode, order.json().shippingAddress]).toEqual([201, demo.address]);
    });
  });
});
