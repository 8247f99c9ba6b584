import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
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

  it('stores a PNG under a generated name and serves it re-encoded, with safe headers', async () => {
    const res = await upload(TINY_PNG, '../../etc/passwd.png');
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ mime: 'image/png' });
    expect(body.fileName).toMatch(/^[0-9a-f-]{36}\.png$/);
    expect(stored()).toContain(body.fileName);

    const served = await app.inject({ method: 'GET', url: body.url });
    expect(served.statusCode).toBe(200);
    expect(served.headers['content-type']).toBe('image/png');
    expect(served.headers['x-content-type-options']).toBe('nosniff');
    expect(served.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(served.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect((await sharp(served.rawPayload).metadata()).format).toBe('png');
  });

  it('strips metadata (EXIF GPS) when it re-encodes', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#c33' } })
      .jpeg()
      .withExif({ IFD0: { Artist: 'secret-artist-name' }, IFD3: { GPSLatitudeRef: 'N' } })
      .toBuffer();
    expect((await sharp(jpeg).metadata()).exif).toBeDefined();
    const res = await upload(jpeg, 'me.jpg', 'image/jpeg');
    expect(res.statusCode).toBe(201);
    const served = await app.inject({ method: 'GET', url: res.json().url });
    expect(served.headers['content-type']).toBe('image/jpeg');
    expect((await sharp(served.rawPayload).metadata()).exif).toBeUndefined();
    expect(served.rawPayload.includes(Buffer.from('secret-artist-name'))).toBe(false);
  });

  it('drops what trails the image (a polyglot keeps no script)', async () => {
    const polyglot = Buffer.concat([TINY_PNG, Buffer.from('<script>alert(1)</script>')]);
    const res = await upload(polyglot);
    expect(res.statusCode).toBe(201);
    const served = await app.inject({ method: 'GET', url: res.json().url });
    expect(served.rawPayload.includes(Buffer.from('<script>'))).toBe(false);
  });

  it('refuses a decompression bomb (a header claiming 100000 x 100000) and stores nothing', async () => {
    const bomb = Buffer.from(TINY_PNG);
    // IHDR width and height (big-endian) sit at bytes 16-23, its CRC at 29-32.
    bomb.writeUInt32BE(100_000, 16);
    bomb.writeUInt32BE(100_000, 20);
    bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
    const before = stored().length;
    const res = await upload(bomb);
    expect([413, 415]).toContain(res.statusCode);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(stored()).toHaveLength(before);
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
