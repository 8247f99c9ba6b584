import type { FieldError } from '../errors/domain-errors';

/**
 * The one rule for every text the API takes (body, query, path; values and object keys):
 * no C0 control character but tab, line feed and carriage return (PostgreSQL refuses NUL
 * outright), no DEL, and no bidirectional embedding, override or isolate (U+202A-U+202E,
 * U+2066-U+2069), which reverse what a reader sees in e-mails and invoices.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

export const UNSAFE_TEXT_MESSAGE =
  'must not contain control characters (other than tab and newline) or bidirectional overrides';

export function isSafeText(value: string): boolean {
  return !UNSAFE.test(value);
}

/**
 * The fields of `value` whose text breaks the rule, named by path (`address.line1`,
 * `variants.0.sku`). Iterative, and bodies are refused past 32 levels before they get here.
 */
export function unsafeTextFields(value: unknown, root = ''): FieldError[] {
  const found: FieldError[] = [];
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (!isSafeText(node)) found.push({ field: path || 'value', message: UNSAFE_TEXT_MESSAGE });
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const childPath = path ? `${path}.${key}` : key;
        if (!isSafeText(key)) found.push({ field: childPath, message: UNSAFE_TEXT_MESSAGE });
        stack.push([child, childPath]);
      }
    }
  }
  return found.reverse();
}
