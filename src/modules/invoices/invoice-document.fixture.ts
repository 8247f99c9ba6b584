import type { InvoiceDocumentInput, InvoiceSeller } from './invoice-document';

/** A seller and a two-line order for the invoice specs (not built into dist). */
export const seller: InvoiceSeller = {
  name: 'Demo Shop Ltd',
  address: '1 Market Street, 10115 Berlin, DE',
  taxId: 'DE123456789',
};

export const input: InvoiceDocumentInput = {
  kind: 'invoice',
  number: 'INV-2026-000042',
  issuedAt: new Date('2026-03-05T10:00:00Z'),
  order: {
    number: 'SO-2026-000123',
    placedAt: new Date('2026-03-04T09:00:00Z'),
    currency: 'EUR',
    subtotal: 4750,
    tax: 950,
    taxRateBps: 2000,
    shipping: 499,
    total: 6199,
    buyerName: 'Ada Lovelace',
    buyerEmail: 'ada@example.com',
    shippingAddress: {
      line1: '12 Analytical Way',
      line2: 'Flat 3',
      city: 'London',
      postalCode: 'N1 9GU',
      country: 'GB',
    },
    lines: [
      {
        sku: 'TEE-M-RED',
        title: 'Cotton tee',
        options: { size: 'M', colour: 'red' },
        unitPrice: 1250,
        quantity: 3,
        lineTotal: 3750,
      },
      { sku: 'MUG-1', title: 'Mug', options: {}, unitPrice: 1000, quantity: 1, lineTotal: 1000 },
    ],
  },
};
