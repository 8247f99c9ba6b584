/** The locale amounts are written in, on invoices and in e-mails alike. */
export const MONEY_LOCALE = 'en-GB';

/** Per currency, built once: its format and its number of decimals. */
const formats = new Map<string, { format: Intl.NumberFormat; digits: number }>();

/**
 * `1250, 'EUR'` → `€12.50`: an amount in minor units, shown with the currency's own number of
 * decimals (EUR 2, JPY 0, BHD 3).
 */
export function formatMoney(minor: number, currency: string): string {
  let known = formats.get(currency);
  if (!known) {
    const format = new Intl.NumberFormat(MONEY_LOCALE, { style: 'currency', currency });
    known = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    formats.set(currency, known);
  }
  return known.format.format(minor / 10 ** known.digits);
}
