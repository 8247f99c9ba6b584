import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { formatMoney } from '../../common/money/format-money';

/** Messages, each a folder in the template dir holding `html.hbs` and `text.hbs`. */
export const MAIL_TEMPLATES = [
  'welcome',
  'password-reset',
  'order-confirmation',
  'order-status',
  'payment-instructions',
  'refund',
  'low-stock',
] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

/**
 * Helpers shared by the HTML part (the mailer's Handlebars adapter, which escapes every `{{ }}`)
 * and the text part. They return plain strings, never `SafeString`, so user text they touch
 * stays escaped in HTML.
 */
export const templateHelpers: Record<string, Handlebars.HelperDelegate> = {
  money: (minor: number, currency: string) => formatMoney(minor, currency),
  percent: (bps: number) => `${(bps / 100).toLocaleString('en', { maximumFractionDigits: 2 })} %`,
  eq: (a: unknown, b: unknown) => a === b,
  hasOptions: (options: Record<string, string> | null) =>
    !!options && Object.keys(options).length > 0,
  optionList: (options: Record<string, string> | null) =>
    Object.entries(options ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join(', '),
};

/**
 * The plain-text parts. The mailer's adapter renders only HTML, so the text part is rendered
 * here from `<message>/text.hbs` inside `layouts/text.hbs`, with the partials under
 * `partials/text/`, in an isolated Handlebars environment with escaping off (plain text is not
 * interpreted by any client, and `&lt;` would only garble it).
 */
export class TextTemplates {
  private readonly hbs = Handlebars.create();
  private readonly compiled = new Map<string, Handlebars.TemplateDelegate>();

  constructor(private readonly dir: string) {
    this.hbs.registerHelper(templateHelpers);
    const partialDir = join(dir, 'partials', 'text');
    for (const file of readdirSync(partialDir, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.hbs')) continue;
      const name = relative(join(dir, 'partials'), join(partialDir, file)).replace(/\.hbs$/, '');
      this.hbs.registerPartial(
        name.split('\\').join('/'),
        readFileSync(join(partialDir, file), 'utf8'),
      );
    }
  }

  render(template: MailTemplate, context: Record<string, unknown>): string {
    const body = this.template(`${template}/text`)(context);
    const text = this.template('layouts/text')({ ...context, body: body.trim() });
    // Handlebars leaves the blank lines of block tags; keep at most one empty line.
    return text.replace(/\n{3,}/g, '\n\n').trim() + '\n';
  }

  private template(name: string): Handlebars.TemplateDelegate {
    let compiled = this.compiled.get(name);
    if (!compiled) {
      const source = readFileSync(join(this.dir, `${name}.hbs`), 'utf8');
      compiled = this.hbs.compile(source, { noEscape: true });
      this.compiled.set(name, compiled);
    }
    return compiled;
  }
}
