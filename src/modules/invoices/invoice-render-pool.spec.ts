import { loadQueueConfig } from '../../config/queue.config';
import { buildInvoiceDocument } from './invoice-document';
import { input, seller } from './invoice-document.fixture';
import { InvoiceRenderPool } from './invoice-render-pool';
import { PdfRenderer } from './pdf-renderer';

/** Real threads (the thread's module compiled by ts-node as it loads), real pdfmake. */
describe('InvoiceRenderPool', () => {
  const pool = (renderThreads: number) =>
    new InvoiceRenderPool({ ...loadQueueConfig({}), renderThreads }, new PdfRenderer());

  it('renders on one thread by default, byte for byte what the main thread renders', async () => {
    const threaded = pool(loadQueueConfig({}).renderThreads);
    try {
      expect(threaded.threads).toBe(0);
      const [a, b] = await Promise.all([
        threaded.render(input, seller),
        threaded.render(input, seller),
      ]);
      expect(threaded.threads).toBe(1);
      const here = await new PdfRenderer().render(buildInvoiceDocument(input, seller));
      expect(a.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(a.equals(here)).toBe(true);
      expect(b.equals(here)).toBe(true);
    } finally {
      await threaded.onApplicationShutdown();
    }
    expect(threaded.threads).toBe(0);
  }, 30_000);

  it("rejects with the thread's error and keeps rendering", async () => {
    const threaded = pool(1);
    try {
      const broken = { ...input, order: { ...input.order, lines: undefined as never } };
      await expect(threaded.render(broken, seller)).rejects.toThrow(
        "Cannot read properties of undefined (reading 'map')",
      );
      const pdf = await threaded.render(input, seller);
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    } finally {
      await threaded.onApplicationShutdown();
    }
  }, 30_000);

  it('renders on the main thread with 0 threads, starting none', async () => {
    const inline = pool(0);
    const pdf = await inline.render(input, seller);
    expect(pdf.equals(await new PdfRenderer().render(buildInvoiceDocument(input, seller)))).toBe(
      true,
    );
    expect(inline.threads).toBe(0);
    await inline.onApplicationShutdown();
  });
});
