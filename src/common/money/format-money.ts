/** The locale amounts are written in, on invoices and in e-mails alike. */
export const MONEY_LOCALE = 'en-GB';

const formats = new Map<string, Intl.NumberFormat>();

/**
 * `1250, 'EUR'` → `€12.50`: an amount in minor units, shown with the currency's own number of
 * decimals (EUR 2, JPY 0, BHD 3).
 */
export function formatMoney(minor: number, currency: string): string {
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(MONEY_LOCALE, { style: 'currency', currency });
    formats.set(currency, format);
  }
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}
