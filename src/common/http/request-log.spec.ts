import Fastify from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { storage } from 'nestjs-pino/storage';
import pino from 'pino';
import { Writable } from 'node:stream';
import { registerRequestLog } from './request-log';

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
    await app.ready();
  });
  afterAll(() => app.close());
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
});
