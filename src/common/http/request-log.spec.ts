import Fastify from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { registerRequestLog } from './request-log';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('the request log', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l)),
      );
      done();
    },
  });
  const app = Fastify({ genReqId: () => `req-${lines.length}-${Math.random()}` });
  let served: WeakRef<object> | undefined;
  let lingering: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    (PinoLogger as unknown as { root: pino.Logger }).root = pino({ level: 'info' }, sink);
    registerRequestLog(app);
    app.get('/health', () => ({ status: 'ok' }));
    app.get('/things/:id', async () => {
      // What nestjs-pino's Logger does: the logger of the request being served.
      storage.getStore()!.logger.info({ note: 'inside' }, 'working');
      await new Promise((r) => setTimeout(r, 5));
      storage.getStore()!.logger.warn('after an await');
      return { ok: true };
    });
    app.get('/broken', () => {
      throw new Error('boom');
    });
    app.get('/lingers', (request) => {
      served = new WeakRef(request);
      // Started by the request and outliving it, as a socket's keep-alive timer or a pool's
      // idle timer does: it carries the request's logging context with it.
      lingering = setTimeout(() => undefined, 60_000);
      return { ok: true };
    });
    await app.ready();
  });
  afterAll(async () => {
    clearTimeout(lingering);
    await app.close();
  });
  beforeEach(() => (lines.length = 0));

  it("binds the app's lines to the request, before and after an await, and ends with one line", async () => {
    const res = await app.inject({ method: 'GET', url: '/things/7?secret=1' });
    expect(res.statusCode).toBe(200);
    expect(lines.map((l) => l.msg)).toEqual(['working', 'after an await', 'request completed']);
    const requestId = (lines[2].req as { id: string }).id;
    for (const line of lines) {
      expect(line.req).toEqual({ id: requestId, method: 'GET', url: '/things/7' });
    }
    expect(lines[2]).toMatchObject({
      level: 30,
      route: '/things/:id',
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toContain('secret');
  });

  it('logs a server error at error level, and never /health', async () => {
    await app.inject({ method: 'GET', url: '/health' });
    await app.inject({ method: 'GET', url: '/broken' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: 'request errored',
      route: '/broken',
      res: { statusCode: 500 },
    });
  });

  it('writes nothing below its level', async () => {
    const root = (PinoLogger as unknown as { root: pino.Logger }).root;
    root.level = 'warn';
    try {
      await app.inject({ method: 'GET', url: '/things/8' });
      expect(lines.map((l) => l.msg)).toEqual(['after an await']);
    } finally {
      root.level = 'info';
    }
  });

  it('keeps no request alive through what it started (its context holds id, method and path)', async () => {
    expect((await app.inject({ method: 'GET', url: '/lingers' })).statusCode).toBe(200);
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    // Held, the whole request (and its socket, headers, reply) outlived its answer: garbage
    // that survived into the old generation on every request.
    expect(served!.deref()).toBeUndefined();
  });
});
