import { Injectable } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import pdfmake from 'pdfmake';
import type { TDocumentDefinitions } from 'pdfmake/interfaces';

type PdfMake = typeof pdfmake;

/** Roboto as shipped inside the pdfmake package: nothing is downloaded. */
export const FONT_DIR = join(dirname(require.resolve('pdfmake/package.json')), 'build', 'fonts');

const ROBOTO = join(FONT_DIR, 'Roboto');

/** The faces documents use, by pdfmake's style names. */
const ROBOTO_FACES = {
  normal: join(ROBOTO, 'Roboto-Regular.ttf'),
  bold: join(ROBOTO, 'Roboto-Medium.ttf'),
  italics: join(ROBOTO, 'Roboto-Italic.ttf'),
  bolditalics: join(ROBOTO, 'Roboto-MediumItalic.ttf'),
};

type FontStyle = keyof typeof ROBOTO_FACES;

function isInside(folder: string, path: string): boolean {
  const rel = relative(folder, resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The parts of pdfkit's fontkit font and embedded font (one per document) used here. */
interface ParsedFont {
  readonly postscriptName: string;
}
interface EmbeddedFont {
  readonly id: string;
  readonly name: string;
  readonly font: ParsedFont;
}
type EmbeddedFontClass = new (
  document: PdfKitDocument,
  font: ParsedFont,
  id: string,
) => EmbeddedFont;

/** pdfmake 0.3's document class (a pdfkit document), as far as it is used here. */
interface PdfKitDocument {
  fonts: Record<string, Partial<Record<FontStyle, unknown>>>;
  fontCache: Record<string, Partial<Record<FontStyle, EmbeddedFont>>>;
  _fontCount: number;
  _fontFamilies: Record<string, EmbeddedFont>;
  getFontType(bold: boolean, italics: boolean): FontStyle;
  font(src: Buffer): { _font: EmbeddedFont };
  provideFont(family: string, bold: boolean, italics: boolean): EmbeddedFont;
}
interface PdfKitDocumentClass {
  new (...args: unknown[]): PdfKitDocument;
  prototype: PdfKitDocument;
}

/**
 * Fonts parsed once per process, by the key documents name them with (`shared-font:<file>`).
 * pdfmake reads and parses every font file again for each document, and fontkit then decodes
 * the font's layout tables (GSUB, GPOS) again on the document's first words: about three
 * quarters of a three-line invoice's render. A parsed font is immutable once its tables are
 * decoded, so every document can lay out with the same one; each document still gets its own
 * embedded font (its own glyph subset, widths and unicode map), so the output is unchanged.
 */
const sharedFonts = new Map<string, { font: ParsedFont; embedded: EmbeddedFontClass }>();

/** Documents name a shared face by this key instead of its path. */
function sharedFontKey(style: FontStyle): string {
  return `shared-font:${relative(FONT_DIR, ROBOTO_FACES[style])}`;
}

/**
 * Parses the faces once and teaches pdfmake's document class to take a face named by a shared
 * key from them. pdfmake offers no hook for this (its printer builds the document itself), so
 * the one method that opens fonts is wrapped; every other font reference keeps pdfmake's own
 * path, access policy included. Deep import: pdfmake is pinned to an exact version.
 */
function shareFonts(): void {
  if (sharedFonts.size > 0) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { default: Document } = require('pdfmake/js/PDFDocument') as {
    default: PdfKitDocumentClass;
  };
  const probe = new Document({}, {}, {}, {}, { autoFirstPage: false });
  for (const style of Object.keys(ROBOTO_FACES) as FontStyle[]) {
    const embedded = probe.font(readFileSync(ROBOTO_FACES[style]))._font;
    sharedFonts.set(sharedFontKey(style), {
      font: embedded.font,
      embedded: embedded.constructor as EmbeddedFontClass,
    });
  }
  const provideFont = Document.prototype.provideFont;
  Document.prototype.provideFont = function (this: PdfKitDocument, family, bold, italics) {
    const style = this.getFontType(bold, italics);
    const key = this.fonts[family]?.[style];
    const shared = typeof key === 'string' ? sharedFonts.get(key) : undefined;
    const cached = this.fontCache[family]?.[style];
    if (!shared || cached) return provideFont.call(this, family, bold, italics);
    // What pdfkit's font() does with a freshly parsed font, with the shared one instead.
    const font = new shared.embedded(this, shared.font, `F${++this._fontCount}`);
    this._fontFamilies[font.name && !this._fontFamilies[font.name] ? font.name : font.id] = font;
    (this.fontCache[family] ??= {})[style] = font;
    return font;
  };
}

/**
 * Renders pdfmake documents to PDF bytes. The instance is our own (pdfmake's module export
 * is a shared singleton), configured with the packaged fonts (parsed once per process) and
 * access policies that refuse every URL and every local file outside the fonts folder: a
 * document can never make the server fetch a URL (SSRF through a product image) or embed a
 * server file.
 */
@Injectable()
export class PdfRenderer {
  private readonly pdf: PdfMake;

  constructor() {
    shareFonts();
    this.pdf = guardedPdfMake();
  }

  render(definition: TDocumentDefinitions): Promise<Buffer> {
    // The fonts are handed over per document: pdfmake rewrites the descriptors it is given.
    this.pdf.setFonts({
      Roboto: {
        normal: sharedFontKey('normal'),
        bold: sharedFontKey('bold'),
        italics: sharedFontKey('italics'),
        bolditalics: sharedFontKey('bolditalics'),
      },
    });
    return this.pdf.createPdf(definition).getBuffer();
  }
}

/**
 * pdfmake as used before fonts were shared, for comparisons (the bench's naive loop, tests):
 * a fresh pdfmake instance per document, reading and parsing the font files each time.
 */
export function renderNaively(definition: TDocumentDefinitions): Promise<Buffer> {
  const pdf = guardedPdfMake();
  pdf.setFonts({ Roboto: { ...ROBOTO_FACES } });
  return pdf.createPdf(definition).getBuffer();
}

/**
 * A pdfmake instance of our own (its module export is a shared singleton) whose access policies
 * refuse every URL and every local file outside the fonts folder.
 */
function guardedPdfMake(): PdfMake {
  const PdfMakeClass = (pdfmake as unknown as { constructor: new () => PdfMake }).constructor;
  const pdf = new PdfMakeClass();
  pdf.setUrlAccessPolicy(() => false);
  pdf.setLocalAccessPolicy((path) => isInside(FONT_DIR, path));
  return pdf;
}
