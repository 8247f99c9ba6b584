import fs from 'node:fs';
import type { TDocumentDefinitions } from 'pdfmake/interfaces';
import { buildInvoiceDocument } from './invoice-document';
import { input as invoice, seller } from './invoice-document.fixture';
import { FONT_DIR, PdfRenderer, renderNaively } from './pdf-renderer';

describe('PdfRenderer', () => {
  const renderer = new PdfRenderer();

  it('renders a document with the packaged fonts', async () => {
    const pdf = await renderer.render({ content: ['Hello', { text: 'bold', bold: true }] });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(1000);
  });

  it('renders byte for byte what a fresh pdfmake renders, whatever it rendered before', async () => {
    // A document with other glyphs first: its subset must not leak into the next one.
    await renderer.render({
      info: { creationDate: new Date(0) },
      content: [{ text: 'Zebra quartz ÄÖÜ 0123456789 {}', bold: true, italics: true }],
    });
    const doc = buildInvoiceDocument(invoice, seller);
    const naive = await renderNaively(buildInvoiceDocument(invoice, seller));
    const shared = await renderer.render(doc);
    expect(naive.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(shared.equals(naive)).toBe(true);
  });

  it('reads and parses the font files once per process, not per document', async () => {
    await renderer.render({ content: ['warm', { text: 'up', bold: true }] });
    const reads = jest.spyOn(fs, 'readFileSync');
    try {
      await renderer.render({ content: ['Hello', { text: 'bold', bold: true }] });
      await new PdfRenderer().render({ content: [{ text: 'italic', italics: true }] });
      const fontReads = reads.mock.calls.filter(([path]) => String(path).startsWith(FONT_DIR));
      expect(fontReads).toEqual([]);
    } finally {
      reads.mockRestore();
    }
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
