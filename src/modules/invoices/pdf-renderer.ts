import { Injectable } from '@nestjs/common';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import pdfmake from 'pdfmake';
import type { TDocumentDefinitions } from 'pdfmake/interfaces';

type PdfMake = typeof pdfmake;

/** Roboto as shipped inside the pdfmake package: nothing is downloaded. */
export const FONT_DIR = join(dirname(require.resolve('pdfmake/package.json')), 'build', 'fonts');

const ROBOTO = join(FONT_DIR, 'Roboto');

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/**
 * Renders pdfmake documents to PDF bytes. The instance is our own (pdfmake's module export
 * is a shared singleton), configured with the packaged fonts and access policies that refuse
 * every URL and every local file outside the fonts folder: a document can never make the
 * server fetch a URL (SSRF through a product image) or embed a server file.
 */
@Injectable()
export class PdfRenderer {
  private readonly pdf: PdfMake;

  constructor() {
    const PdfMakeClass = (pdfmake as unknown as { constructor: new () => PdfMake }).constructor;
    this.pdf = new PdfMakeClass();
    this.pdf.setUrlAccessPolicy(() => false);
    this.pdf.setLocalAccessPolicy((path) => isInside(FONT_DIR, path));
  }

  render(definition: TDocumentDefinitions): Promise<Buffer> {
    // The fonts are handed over per document: pdfmake rewrites the descriptors it is given.
    this.pdf.setFonts({
      Roboto: {
        normal: join(ROBOTO, 'Roboto-Regular.ttf'),
        bold: join(ROBOTO, 'Roboto-Medium.ttf'),
        italics: join(ROBOTO, 'Roboto-Italic.ttf'),
        bolditalics: join(ROBOTO, 'Roboto-MediumItalic.ttf'),
      },
    });
    return this.pdf.createPdf(definition).getBuffer();
  }
}
