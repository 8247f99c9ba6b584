import { formatMoney } from './format-money';

describe('formatMoney', () => {
  it('divides minor units by the currency’s own fraction digits', () => {
    expect(formatMoney(1250, 'EUR')).toBe('€12.50');
    expect(formatMoney(2899, 'EUR')).toBe('€28.99');
    expect(formatMoney(123456, 'USD')).toBe('US$1,234.56');
    expect(formatMoney(1250, 'JPY')).toBe('JP¥1,250');
    expect(formatMoney(500, 'JPY')).toBe('JP¥500');
    expect(formatMoney(1250, 'BHD')).toBe('BHD\u00a01.250');
    expect(formatMoney(-499, 'EUR')).toBe('-€4.99');
    expect(formatMoney(0, 'GBP')).toBe('£0.00');
  });
});
