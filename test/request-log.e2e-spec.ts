import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { eventually } from './support/jobs';

const ROOT = join(__dirname, '..');

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/** The API as `npm run start:prod` runs it, at the default log level, its stdout collected. */
describe('the request log line', () => {
  let api: ChildProcess;
  let output = '';
  let baseUrl: string;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    api = spawn(
      join(ROOT, 'node_modules', '.bin', 'ts-node'),
      ['--transpile-only', 'src/main.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    api.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    api.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await eventually(
      async () => (await fetch(`${baseUrl}/health`).catch(() => undefined))?.status === 200,
      { what: `the API to answer (output: ${output.slice(-2000)})`, timeoutMs: 120_000 },
    );
  }, 150_000);
  const stop = async () => {
    if (api.exitCode !== null || api.signalCode !== null) return;
    const exited = new Promise((resolve) => api.once('exit', resolve));
    api.kill('SIGTERM');
    await exited;
  };
  afterAll(stop);

  const lineFor = (requestId: string) =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => (l.req as { id?: string } | undefined)?.id === requestId);

  it('writes one short line per request: id, method, route, path, status, time', async () => {
    const requestId = `log-test-${Date.now()}`;
    const res = await fetch(`${baseUrl}/api/v1/products/no-such-product?x=1`, {
      headers: { 'x-request-id': requestId, authorization: 'Bearer not-a-token' },
    });
    expect(res.status).toBe(401);
    await eventually(() => Promise.resolve(lineFor(requestId) !== undefined), {
      what: 'the request line in the log',
    });
    const line = lineFor(requestId)!;
    expect(line).toMatchObject({
      level: 30,
      req: {
        id: requestId,
        method: 'GET',
        url: '/api/v1/products/no-such-product',
      },
      route: '/api/v1/products/:idOrSlug',
      res: { statusCode: 401 },
      responseTime: expect.any(Number),
    });
    // Neither headers (a bearer token among them) nor the query string reach the line.
    expect(Object.keys(line.req as object).sort()).toEqual(['id', 'method', 'url']);
    expect(Object.keys(line.res as object)).toEqual(['statusCode']);
    expect(JSON.stringify(line)).not.toContain('not-a-token');
    expect(output.split('\n').filter((l) => l.includes(`"id":"${requestId}"`))).toHaveLength(1);
  });

  it('has written every line of a burst when it stops, the last ones included', async () => {
    const ids = Array.from({ length: 300 }, (_, i) => `burst-${Date.now()}-${i}`);
    const answers = await Promise.all(
      ids.map((id) => fetch(`${baseUrl}/api/v1/categories`, { headers: { 'x-request-id': id } })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    await stop();
    expect(ids.filter((id) => lineFor(id) === undefined)).toEqual([]);
  });
});
