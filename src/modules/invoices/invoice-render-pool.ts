import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { extname, join } from 'node:path';
import { Piscina } from 'piscina';
import { queueConfig, QueueConfig } from '../../config';
import { buildInvoiceDocument, InvoiceDocumentInput, InvoiceSeller } from './invoice-document';
import type { InvoiceRenderTask } from './invoice-render.thread';
import { PdfRenderer } from './pdf-renderer';

/** The thread's module: compiled JavaScript in dist/, TypeScript under the tests. */
const THREAD = join(__dirname, `invoice-render.thread${extname(__filename)}`);

/**
 * Renders invoice and credit-note PDFs on `INVOICE_RENDER_THREADS` threads of this process
 * (default 1), while its main thread does the jobs' database, file and queue work. Rendering is
 * CPU-bound: on the main thread it was about 60 % of an invoice job and held the other jobs'
 * I/O back. The threads start with the first render, so a process that renders nothing (the
 * API) has none. With 0 threads the main thread renders.
 */
@Injectable()
export class InvoiceRenderPool implements OnApplicationShutdown {
  private pool?: Piscina<InvoiceRenderTask, Uint8Array>;

  constructor(
    @Inject(queueConfig.KEY) private readonly config: QueueConfig,
    private readonly renderer: PdfRenderer,
  ) {}

  async render(input: InvoiceDocumentInput, seller: InvoiceSeller): Promise<Buffer> {
    const threads = this.config.renderThreads;
    if (threads === 0) return this.renderer.render(buildInvoiceDocument(input, seller));
    this.pool ??= new Piscina({
      filename: THREAD,
      minThreads: threads,
      maxThreads: threads,
      // Kept while the process lives: a new thread parses the fonts again.
      idleTimeout: Number.MAX_SAFE_INTEGER,
      // Under the tests the thread's module is TypeScript, compiled as it loads.
      execArgv: THREAD.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [],
    });
    const bytes = await this.pool.run({ input, seller });
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Threads started so far (none before the first render). */
  get threads(): number {
    return this.pool?.threads.length ?? 0;
  }

  /** After the queues have drained (QueueDrain, one phase earlier): no job renders any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}
