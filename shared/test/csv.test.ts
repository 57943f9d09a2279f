import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, splitCsvLine } from '../src/csv.ts';

describe('csv', () => {
  it('quotes cells that would break a row, and round-trips through splitCsvLine', () => {
    const row = csvRow(['plain', 'with, comma', 'with "quotes"', 3, null]);
    expect(row).toBe('plain,"with, comma","with ""quotes""",3,\n');
    expect(splitCsvLine(row.trimEnd())).toEqual(['plain', 'with, comma', 'with "quotes"', '3', '']);
  });

  it('neutralises spreadsheet formulas (CSV injection)', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('-1+2')).toBe(`"'-1+2"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
  });

  it('reports an unbalanced quote', () => {
    expect(splitCsvLine('"open,1')).toBeUndefined();
  });
});
