import { sniffImageType } from './image-type';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('sniffImageType', () => {
  it('recognises JPEG, PNG and WebP by their signatures', () => {
    expect(sniffImageType(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))?.mime).toBe('image/jpeg');
    expect(sniffImageType(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0))?.ext).toBe(
      'png',
    );
    const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);
    expect(sniffImageType(webp)?.mime).toBe('image/webp');
  });

  it('refuses text, GIF, SVG, a bare RIFF (WAV) and truncated headers', () => {
    expect(sniffImageType(Buffer.from('hello, I am not a PNG'))).toBeUndefined();
    expect(sniffImageType(Buffer.from('GIF89a....'))).toBeUndefined();
    expect(
      sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>')),
    ).toBeUndefined();
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt ')]);
    expect(sniffImageType(wav)).toBeUndefined();
    expect(sniffImageType(bytes(0x89, 0x50))).toBeUndefined();
    expect(sniffImageType(bytes())).toBeUndefined();
  });
});
