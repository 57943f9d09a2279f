import { describe, expect, it } from 'vitest';
import type { AuditRow } from '../src/audit-chain.ts';
import { AUDIT_CSV_COLUMNS, auditExportHeader, auditExportLine } from '../src/audit-export.ts';
import { splitCsvLine } from '../src/csv.ts';

const row: AuditRow = {
  workspaceId: '0190a1b2-0000-7000-8000-000000000001',
  seq: 7,
  occurredAt: '2026-01-02T03:04:05.678Z',
  actorType: 'user',
  actorId: 'u-1',
  action: 'member.added',
  targetType: 'membership',
  targetId: 'm-1',
  summary: '{"email":"=cmd|calc","role":"member"}',
  requestId: null,
  prevHash: 'ab12',
  hash: 'cd34',
};

describe('the audit export format', () => {
  it('has one header with every column but the workspace', () => {
    expect(auditExportHeader('csv')).toBe(
      'seq,occurredAt,actorType,actorId,action,targetType,targetId,summary,requestId,prevHash,hash\n',
    );
    expect(auditExportHeader('jsonl')).toBe('');
    expect(AUDIT_CSV_COLUMNS).not.toContain('workspaceId');
  });

  it('writes a CSV row through the shared escaping: quotes kept, a missing request id empty', () => {
    const line = auditExportLine(row, 'csv');
    expect(line.endsWith('\n')).toBe(true);
    expect(splitCsvLine(line.trimEnd())).toEqual([
      '7',
      '2026-01-02T03:04:05.678Z',
      'user',
      'u-1',
      'member.added',
      'membership',
      'm-1',
      '{"email":"=cmd|calc","role":"member"}',
      '',
      'ab12',
      'cd34',
    ]);
  });

  it('neutralises a cell that a spreadsheet would run as a formula', () => {
    const line = auditExportLine({ ...row, actorId: '=HYPERLINK("http://evil")' }, 'csv');
    expect(splitCsvLine(line.trimEnd())?.[3]).toBe(`'=HYPERLINK("http://evil")`);
  });

  it('writes the whole row as one JSON line', () => {
    const line = auditExportLine(row, 'jsonl');
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual(row);
    const { workspaceId, ...rest } = row;
    expect(auditExportLine({ ...rest, workspaceId }, 'jsonl')).toBe(line); // key order is the format's
  });
});
