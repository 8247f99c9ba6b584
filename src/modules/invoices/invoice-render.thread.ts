import { buildInvoiceDocument, InvoiceDocumentInput, InvoiceSeller } from './invoice-document';
import { PdfRenderer } from './pdf-renderer';

/** What a render thread is given: plain data (a document's definition holds functions). */
export interface InvoiceRenderTask {
  input: InvoiceDocumentInput;
  seller: InvoiceSeller;
}

/**
 * The body of a render thread (InvoiceRenderPool): one PdfRenderer per thread, so each thread
 * parses the fonts once. The PDF goes back as bytes (structured clone copies them).
 */
const renderer = new PdfRenderer();

export default async function renderInvoice(task: InvoiceRenderTask): Promise<Uint8Array> {
  const pdf = await renderer.render(buildInvoiceDocument(task.input, task.seller));
  return new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength);
}
