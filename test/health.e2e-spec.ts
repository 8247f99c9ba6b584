import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createAppBehindProxies } from './support/dependency-proxies';
import { TcpProxy } from './support/tcp-proxy';

async function readiness(app: NestFastifyApplication) {
  const res = await app.inject({ method: 'GET', url: '/health/ready' });
  return { status: res.statusCode, body: res.json(), type: res.headers['content-type'] };
}

/** Polls until the readiness answer has `status` (bounded: 40 tries, 250 ms apart). */
async function waitForReadiness(app: NestFastifyApplication, status: number) {
  let last = await readiness(app);
  for (let i = 0; i < 40 && last.status !== status; i++) {
    await new Promise((r) => setTimeout(r, 250));
    last = await readiness(app);
  }
  return last;
}

describe('readiness', () => {
  let dbProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    ({ app, dbProxy, redisProxy } = await createAppBehindProxies());
  });

  afterAll(async () => {
    await app.close();
    await dbProxy.stop();
    await redisProxy.stop();
  });

  it('turns 503 naming the database while PostgreSQL is unreachable, and 200 when it returns', async () => {
    expect((await readiness(app)).status).toBe(200);

    await dbProxy.cut();
    const down = await waitForReadiness(app, 503);
    expect(down.status).toBe(503);
    expect(down.type).toContain('application/problem+json');
    expect(down.body).toMatchObject({ status: 503, down: ['database'] });
    expect(down.body.detail).toContain('database');
    expect(down.body.checks.redis.status).toBe('up');

    await dbProxy.restore();
    expect((await waitForReadiness(app, 200)).status).toBe(200);
  });

  it('turns 503 naming Redis while Redis is unreachable, and 200 when it returns', async () => {
    await redisProxy.cut();
    const down = await waitForReadiness(app, 503);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ down: ['redis'] });
    expect(down.body.checks.database.status).toBe('up');

    await redisProxy.restore();
    expect((await waitForReadiness(app, 200)).status).toBe(200);
  });

  it('keeps /health (liveness) at 200 while a dependency is down', async () => {
    await redisProxy.cut();
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    await redisProxy.restore();
    expect((await waitForReadiness(app, 200)).status).toBe(200);
  });
});
