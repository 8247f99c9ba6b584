import { literal } from './sql';

describe('values written into a statement', () => {
  it('quotes what it accepts and refuses what is not of its kind', () => {
    const id = '1b99588b-984b-467a-994e-ccda515f431a';
    expect(literal.uuid(id)).toBe(`'${id}'::uuid`);
    expect(literal.uuids([id, id])).toBe(`'{${id},${id}}'::uuid[]`);
    expect(literal.ints([-1, 2])).toBe(`'{-1,2}'::int[]`);
    expect(literal.jsonb({ note: "it's \\ here" })).toBe(
      ` E'{"note":"it''s \\\\\\\\ here"}'::jsonb`,
    );
    for (const bad of [`${id}'; DROP TABLE orders; --`, 'not-a-uuid', '']) {
      expect(() => literal.uuid(bad)).toThrow('Not a UUID');
      expect(() => literal.uuids([id, bad])).toThrow('Not a UUID');
    }
    expect(() => literal.ints([1, 1.5])).toThrow('Not whole numbers');
    expect(() => literal.ints([Number.NaN])).toThrow('Not whole numbers');
  });
});
