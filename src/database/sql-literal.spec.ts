import { literal } from './sql';

describe('values written into a statement', () => {
  it('quotes what it accepts and refuses what is not of its kind', () => {
    const id = '1b99588b-984b-467a-994e-ccda515f431a';
    expect(literal.uuid(id)).toBe(`'${id}'::uuid`);
    for (const bad of [`${id}'; DROP TABLE orders; --`, 'not-a-uuid', '']) {
      expect(() => literal.uuid(bad)).toThrow('Not a UUID');
    }
  });
});
