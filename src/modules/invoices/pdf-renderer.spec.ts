import type { TDocumentDefinitions } from 'pdfmake/interfaces';
import { PdfRenderer } from './pdf-renderer';

describe('PdfRenderer', () => {
  const renderer = new PdfRenderer();

  it('renders a document with the packaged fonts', async () => {
    const pdf = await renderer.render({ content: ['Hello', { text: 'bold', bold: true }] });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1000);
  });

  it('refuses to fetch an image from a URL (no SSRF)', async () => {
    const doc: TDocumentDefinitions = {
      content: [{ image: 'logo' }],
      images: { logo: 'http://127.0.0.1:9/logo.png' },
    };
    await expect(renderer.render(doc)).rejects.toThrow(/denied by resource access policy/);
  });

  it('refuses an image URL written inline in the content', async () => {
    const doc: TDocumentDefinitions = { content: [{ image: 'https://example.com/a.png' }] };
    await expect(renderer.render(doc)).rejects.toThrow(/denied by resource access policy/);
  });

  it('refuses a local file outside the fonts folder', async () => {
    await expect(renderer.render({ content: [{ image: '/etc/passwd' }] })).rejects.toThrow(
      /Access to local file denied/,
    );
    const escape: TDocumentDefinitions = {
      content: [{ image: 'x' }],
      images: { x: `${__dirname}/../../../node_modules/pdfmake/build/fonts/../../package.json` },
    };
    await expect(renderer.render(escape)).rejects.toThrow(/Access to local file denied/);
  });
});
