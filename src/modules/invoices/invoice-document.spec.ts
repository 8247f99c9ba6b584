import type { Content, TDocumentDefinitions } from 'pdfmake/interfaces';
import { buildInvoiceDocument, formatRate } from './invoice-document';
import { input, seller } from './invoice-document.fixture';

/** Every string the definition prints, in order (the footer called for page 1 of 1). */
function texts(doc: TDocumentDefinitions): string[] {
  const out: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') out.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const n = node as Record<string, unknown>;
      if (typeof n.text === 'string') out.push(n.text);
      else if (n.text !== undefined) {
        const parts: string[] = [];
        const inner = (x: unknown): void => {
          if (typeof x === 'string') parts.push(x);
          else if (Array.isArray(x)) x.forEach(inner);
          else if (x && typeof x === 'object') inner((x as { text?: unknown }).text);
        };
        inner(n.text);
        out.push(parts.join(''));
      }
      for (const key of ['columns', 'stack', 'table', 'body']) walk(n[key]);
    }
  };
  walk(doc.content);
  if (typeof doc.footer === 'function') {
    walk(doc.footer(1, 1, { width: 595, height: 842, orientation: 'portrait' }));
  }
  return out;
}

describe('formatRate', () => {
  it('labels a basis-point rate as a percentage', () => {
    expect(formatRate(2000)).toBe('20 %');
    expect(formatRate(1950)).toBe('19.5 %');
    expect(formatRate(0)).toBe('0 %');
  });
});

describe('buildInvoiceDocument', () => {
  it('shows seller, buyer, references, every line and the totals', () => {
    const doc = buildInvoiceDocument(input, seller);
    const all = texts(doc);
    for (const expected of [
      'Invoice',
      'Demo Shop Ltd',
      '1 Market Street, 10115 Berlin, DE',
      'VAT ID DE123456789',
      'Ada Lovelace',
      '12 Analytical Way',
      'Flat 3',
      'N1 9GU London',
      'GB',
      'Invoice number: INV-2026-000042',
      'Date: 5 March 2026',
      'Order: SO-2026-000123',
      'Order date: 4 March 2026',
      'TEE-M-RED',
      'Cotton tee (size: M, colour: red)',
      '3',
      '€12.50',
      '€37.50',
      'MUG-1',
      'Mug',
      '€10.00',
      'Subtotal',
      '€47.50',
      'VAT 20 %',
      '€9.50',
      'Shipping',
      '€4.99',
      'Total',
      '€61.99',
    ]) {
      expect(all).toContain(expected);
    }
    expect(all.join('\n')).not.toMatch(/Credit/);
    expect(doc.info?.title).toBe('Invoice INV-2026-000042');
  });

  it('lays the lines out as table rows: SKU, description, quantity, unit price, amount', () => {
    const doc = buildInvoiceDocument(input, seller);
    const table = (doc.content as { table?: { body: unknown[][] } }[]).find((c) => c.table)!;
    const rows = table.table!.body.map((row) => texts({ content: row as Content[] }));
    expect(rows).toEqual([
      ['SKU', 'Description', 'Qty', 'Unit price', 'Amount'],
      ['TEE-M-RED', 'Cotton tee (size: M, colour: red)', '3', '€12.50', '€37.50'],
      ['MUG-1', 'Mug', '1', '€10.00', '€10.00'],
    ]);
  });

  it('prints a credit note with its own number, the invoice it credits and negated amounts', () => {
    const doc = buildInvoiceDocument(
      {
        ...input,
        kind: 'credit_note',
        number: 'CN-2026-000007',
        creditsInvoiceNumber: 'INV-2026-000042',
      },
      seller,
    );
    const all = texts(doc);
    for (const expected of [
      'Credit note',
      'Credit note number: CN-2026-000007',
      'Credits invoice INV-2026-000042',
      '-€37.50',
      '-€12.50',
      '-€47.50',
      '-€9.50',
      '-€4.99',
      '-€61.99',
    ]) {
      expect(all).toContain(expected);
    }
    expect(all).not.toContain('€61.99');
    expect(doc.info?.title).toBe('Credit note CN-2026-000007');
  });

  it('formats amounts in the order’s currency', () => {
    const yen = buildInvoiceDocument(
      { ...input, order: { ...input.order, currency: 'JPY', total: 6199 } },
      seller,
    );
    expect(texts(yen)).toContain('JP¥6,199');
  });

  it('refers to no image or file, so rendering reads nothing but the fonts', () => {
    const doc = buildInvoiceDocument(input, seller);
    expect(doc.images).toBeUndefined();
    expect(JSON.stringify(doc.content)).not.toMatch(/"(image|svg|attachment)"/);
  });
});
