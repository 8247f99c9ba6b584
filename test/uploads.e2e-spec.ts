import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { multipartFile, TINY_PNG } from './support/multipart';
import { ProbeModule } from './support/probe.module';
import { createTestApp } from './support/test-app';

describe('image uploads', () => {
  let app: NestFastifyApplication;
  const dir = join(process.env.UPLOAD_DIR!, 'products');
  const stored = () => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };

  beforeAll(async () => {
    app = await createTestApp({ imports: [ProbeModule] });
  });
  afterAll(() => app.close());

  const upload = (data: Buffer, name?: string, type?: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/__probe/image',
      ...multipartFile(data, name, type),
    });

  it('stores a PNG under a generated name and serves it', async () => {
    const res = await upload(TINY_PNG, '../../etc/passwd.png');
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ mime: 'image/png', bytes: TINY_PNG.length });
    expect(body.fileName).toMatch(/^[0-9a-f-]{36}\.png$/);
    expect(stored()).toContain(body.fileName);

    const served = await app.inject({ method: 'GET', url: body.url });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.rawPayload.equals(TINY_PNG)).toBe(true);
  });

  it('refuses a text file named .png with 415 and stores nothing', async () => {
    const before = stored().length;
    const res = await upload(Buffer.from('just some text, honestly'), 'photo.png', 'image/png');
    expect(res.statusCode).toBe(415);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(stored()).toHaveLength(before);
  });

  it('refuses a file over the limit with 413 and stores nothing', async () => {
    const before = stored().length;
    const big = Buffer.concat([TINY_PNG, Buffer.alloc(2048)]);
    const res = await upload(big);
    expect(res.statusCode).toBe(413);
    expect(stored()).toHaveLength(before);
  });

  it('refuses a JSON body on an upload route with 415', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/__probe/image',
      payload: { file: 'x' },
    });
    expect(res.statusCode).toBe(415);
  });

  it('does not serve files outside the upload folder', async () => {
    const res = await app.inject({ method: 'GET', url: '/uploads/..%2F..%2Fpackage.json' });
    expect([403, 404]).toContain(res.statusCode);
  });
});
