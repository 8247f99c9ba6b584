import { formatMoney, MONEY_LOCALE } from '../../common/money/format-money';
import type { Content, TableCell, TDocumentDefinitions } from 'pdfmake/interfaces';
import type { PostalAddress } from '../../common/address/postal-address';
import type { OrderLineSnapshot } from '../orders/orders.repository';

export type InvoiceKind = 'invoice' | 'credit_note';

export interface InvoiceSeller {
  name: string;
  address: string;
  taxId: string;
}

export type InvoiceLine = OrderLineSnapshot & { lineTotal: number };

/** Everything the document shows: the issued number and the order's checkout snapshot. */
export interface InvoiceDocumentInput {
  kind: InvoiceKind;
  number: string;
  issuedAt: Date;
  /** The invoice a credit note cancels (credit notes only). */
  creditsInvoiceNumber?: string;
  /** Credit notes: the refund they document (a part of the total, or all of it). */
  refund?: { amount: number; reason: string };
  order: {
    number: string;
    placedAt: Date;
    currency: string;
    subtotal: number;
    tax: number;
    taxRateBps: number;
    shipping: number;
    total: number;
    buyerName: string;
    buyerEmail: string;
    shippingAddress: PostalAddress;
    lines: InvoiceLine[];
  };
}

/** Locale of the numbers and dates printed on invoices. */
export const INVOICE_LOCALE = MONEY_LOCALE;

// Built once: constructing an Intl format costs more than the rest of a label.
const RATE_FORMAT = new Intl.NumberFormat(INVOICE_LOCALE, { maximumFractionDigits: 2 });
const DATE_FORMAT = new Intl.DateTimeFormat(INVOICE_LOCALE, {
  year: 'numeric',
  month: 'long',
  day: 'numeric',
  timeZone: 'UTC',
});

/** Basis points as a percentage label: 2000 → "20 %", 1950 → "19.5 %". */
export function formatRate(bps: number): string {
  return `${RATE_FORMAT.format(bps / 100)} %`;
}

function formatDate(date: Date): string {
  return DATE_FORMAT.format(date);
}

function addressLines(address: PostalAddress): string[] {
  const cityLine = [address.postalCode, address.city, address.state].filter(Boolean).join(' ');
  return [address.line1, address.line2, cityLine, address.country].filter(
    (line): line is string => typeof line === 'string' && line.length > 0,
  );
}

function lineDescription(line: InvoiceLine): string {
  const options = Object.entries(line.options)
    .map(([name, value]) => `${name}: ${value}`)
    .join(', ');
  return options ? `${line.title} (${options})` : line.title;
}

/**
 * The pdfmake document of an invoice or credit note. Pure: the same input gives the same
 * definition, nothing is read or fetched (no images, only the default font), so it is unit
 * tested without rendering. A credit note shows every amount negated: it cancels the invoice.
 */
export function buildInvoiceDocument(
  input: InvoiceDocumentInput,
  seller: InvoiceSeller,
): TDocumentDefinitions {
  const partial = input.kind === 'credit_note' && !!input.refund;
  const order = partial ? partialCredit(input.order, input.refund!) : input.order;
  const credit = input.kind === 'credit_note';
  const sign = credit ? -1 : 1;
  const money = (minor: number) => formatMoney(sign * minor, order.currency);
  const title = credit ? 'Credit note' : 'Invoice';

  const lineRows: TableCell[][] = order.lines.map((line) => [
    { text: line.sku, style: 'sku' },
    lineDescription(line),
    { text: String(line.quantity), alignment: 'right' },
    { text: money(line.unitPrice), alignment: 'right' },
    { text: money(line.lineTotal), alignment: 'right' },
  ]);

  const totals: [string, number][] = [
    ['Subtotal', order.subtotal],
    [`VAT ${formatRate(order.taxRateBps)}`, order.tax],
    ['Shipping', order.shipping],
  ];

  const references: Content[] = [
    { text: [{ text: `${title} number: `, bold: true }, input.number] },
    { text: [{ text: 'Date: ', bold: true }, formatDate(input.issuedAt)] },
    { text: [{ text: 'Order: ', bold: true }, order.number] },
    { text: [{ text: 'Order date: ', bold: true }, formatDate(order.placedAt)] },
  ];
  if (credit && input.creditsInvoiceNumber) {
    references.push({ text: `Credits invoice ${input.creditsInvoiceNumber}`, bold: true });
  }

  return {
    info: {
      title: `${title} ${input.number}`,
      author: seller.name,
      subject: `${title} for order ${order.number}`,
      creationDate: input.issuedAt,
    },
    pageSize: 'A4',
    pageMargins: [40, 48, 40, 56],
    defaultStyle: { font: 'Roboto', fontSize: 10, lineHeight: 1.2 },
    styles: {
      title: { fontSize: 22, bold: true, margin: [0, 0, 0, 4] },
      party: { fontSize: 9, color: '#444444' },
      heading: { fontSize: 9, bold: true, color: '#666666', margin: [0, 0, 0, 2] },
      tableHeader: { bold: true, fontSize: 9, color: '#333333' },
      sku: { fontSize: 8, color: '#555555' },
      total: { bold: true, fontSize: 12 },
    },
    footer: (currentPage: number, pageCount: number) => ({
      text: `${seller.name} · ${seller.address} · VAT ID ${seller.taxId}    ${input.number} · page ${currentPage} of ${pageCount}`,
      alignment: 'center',
      fontSize: 8,
      color: '#777777',
      margin: [40, 16, 40, 0],
    }),
    content: [
      {
        columns: [
          { text: title, style: 'title' },
          {
            stack: [
              { text: seller.name, bold: true },
              { text: seller.address, style: 'party' },
              { text: `VAT ID ${seller.taxId}`, style: 'party' },
            ],
            alignment: 'right',
          },
        ],
      },
      {
        margin: [0, 20, 0, 20],
        columns: [
          {
            stack: [
              { text: 'BILL TO / SHIP TO', style: 'heading' },
              { text: order.buyerName, bold: true },
              ...addressLines(order.shippingAddress),
              { text: order.buyerEmail, style: 'party' },
            ],
          },
          { stack: references },
        ],
      },
      {
        table: {
          headerRows: 1,
          widths: [90, '*', 36, 72, 78],
          body: [
            [
              { text: 'SKU', style: 'tableHeader' },
              { text: 'Description', style: 'tableHeader' },
              { text: 'Qty', style: 'tableHeader', alignment: 'right' },
              { text: 'Unit price', style: 'tableHeader', alignment: 'right' },
              { text: 'Amount', style: 'tableHeader', alignment: 'right' },
            ],
            ...lineRows,
          ],
        },
        layout: 'lightHorizontalLines',
      },
      {
        margin: [0, 12, 0, 0],
        columns: [
          { width: '*', text: '' },
          {
            width: 220,
            table: {
              widths: ['*', 90],
              body: [
                ...totals.map(([label, amount]): TableCell[] => [
                  label,
                  { text: money(amount), alignment: 'right' },
                ]),
                [
                  { text: 'Total', style: 'total' },
                  { text: money(order.total), style: 'total', alignment: 'right' },
                ],
              ],
            },
            layout: 'noBorders',
          },
        ],
      },
      {
        margin: [0, 24, 0, 0],
        style: 'party',
        text: !credit
          ? `Amounts in ${order.currency}. Thank you for your order.`
          : order.total === input.order.total
            ? `This credit note cancels invoice ${input.creditsInvoiceNumber ?? ''} in full${
                input.refund ? ` (${input.refund.reason})` : ''
              }. Amounts in ${order.currency}.`
            : `This credit note credits part of invoice ${input.creditsInvoiceNumber ?? ''}` +
              ` (${input.refund?.reason ?? 'refund'}). Amounts in ${order.currency}.`,
      },
    ],
  };
}

/**
 * The order as a credit note for `refund.amount` shows it: the whole order when the refund is
 * all of it, else one refund line whose amount includes VAT at the order's rate (the VAT part
 * rounded half up, as on the invoice).
 */
export function partialCredit(
  order: InvoiceDocumentInput['order'],
  refund: { amount: number; reason: string },
): InvoiceDocumentInput['order'] {
  if (refund.amount === order.total) return order;
  const tax = Math.round((refund.amount * order.taxRateBps) / (10_000 + order.taxRateBps));
  const net = refund.amount - tax;
  return {
    ...order,
    subtotal: net,
    tax,
    shipping: 0,
    total: refund.amount,
    lines: [
      {
        sku: 'REFUND',
        title: `Refund: ${refund.reason}`,
        options: {},
        unitPrice: net,
        quantity: 1,
        lineTotal: net,
      },
    ],
  };
}
