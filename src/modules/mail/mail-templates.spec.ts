import { join } from 'node:path';
import { TextTemplates } from './mail-templates';

describe('TextTemplates', () => {
  const text = new TextTemplates(join(__dirname, '../../../templates'));
  const base = { shopName: 'Demo Shop', sellerAddress: '1 Road', webUrl: 'http://shop.test' };

  it('renders the plain-text part with the layout, the lines and the totals, unescaped', () => {
    const out = text.render('order-status', {
      ...base,
      name: 'Ann & Bob',
      status: 'shipped',
      link: 'http://shop.test/orders/1',
      order: {
        number: 'SO-2026-000001',
        currency: 'EUR',
        items: [
          {
            title: '<b>Lamp</b>',
            sku: 'L-1',
            options: { size: 'M' },
            quantity: 2,
            unitPrice: 1000,
            lineTotal: 2000,
          },
        ],
        subtotal: 2000,
        tax: 400,
        taxRateBps: 2000,
        shipping: 499,
        total: 2899,
      },
    });
    expect(out).toMatch(/^Demo Shop\n/);
    expect(out).toContain('Your order SO-2026-000001 is on its way');
    expect(out).toContain('Hello Ann & Bob');
    expect(out).toContain('- <b>Lamp</b> (SKU L-1, size: M)\n  2 x €10.00 = €20.00');
    expect(out).toContain('Tax (20 %): €4.00');
    expect(out).toContain('Total: €28.99');
    expect(out).toContain('--\nDemo Shop, 1 Road\nhttp://shop.test');
    expect(out).not.toMatch(/\n{3,}/);
  });
});
