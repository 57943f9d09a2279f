import { describe, expect, it } from 'vitest';
import { riskBand, riskHeatmap, riskScore } from '@vigilo/shared/risk-heatmap';
import { nextReviewDue, type Question, scoreAssessment } from '@vigilo/shared/vendor-assessment';

/** The pure rules of the register and vendor risk: heat-map cells, scores, review cadence. */
describe('the risk heat map', () => {
  it('counts each risk in its likelihood × impact cell, inherent and residual apart', () => {
    const map = riskHeatmap([
      { likelihood: 5, impact: 4, residualLikelihood: 2, residualImpact: 2 },
      { likelihood: 5, impact: 4, residualLikelihood: null, residualImpact: null },
      { likelihood: 1, impact: 1, residualLikelihood: 1, residualImpact: 1 },
      { likelihood: 3, impact: 5, residualLikelihood: 2, residualImpact: 2 },
    ]);
    // cells[likelihood - 1][impact - 1]
    expect(map.inherent.cells[4]?.[3]).toBe(2);
    expect(map.inherent.cells[0]?.[0]).toBe(1);
    expect(map.inherent.cells[2]?.[4]).toBe(1);
    expect(map.inherent.total).toBe(4);
    expect(map.inherent.cells.flat().reduce((a, b) => a + b, 0)).toBe(4);
    // The risk without residual ratings is not in the residual grid.
    expect(map.residual.cells[1]?.[1]).toBe(2);
    expect(map.residual.cells[0]?.[0]).toBe(1);
    expect(map.residual.total).toBe(3);
    expect(map.residual.cells.flat().reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('is an empty 5×5 grid for no risks', () => {
    const map = riskHeatmap([]);
    expect(map.inherent.cells).toEqual(Array.from({ length: 5 }, () => [0, 0, 0, 0, 0]));
    expect(map.residual.total).toBe(0);
  });

  it('refuses a rating outside 1–5 instead of dropping it', () => {
    expect(() =>
      riskHeatmap([{ likelihood: 6, impact: 1, residualLikelihood: null, residualImpact: null }]),
    ).toThrow(RangeError);
  });

  it('scores likelihood × impact and bands the score', () => {
    expect(riskScore(5, 5)).toBe(25);
    expect([1, 5, 10, 15, 25].map(riskBand)).toEqual(['low', 'medium', 'high', 'critical', 'critical']);
  });
});

describe('vendor assessment scoring', () => {
  const questions: Question[] = [
    { id: 'soc2', text: 'SOC 2 report?', weight: 3, type: 'yes_no' },
    { id: 'mfa', text: 'MFA maturity', weight: 1, type: 'scale' },
    { id: 'notes', text: 'Anything else?', weight: 5, type: 'text' },
  ];

  it('weights yes/no and scale answers, ignores text', () => {
    expect(scoreAssessment(questions, { soc2: true, mfa: 5, notes: 'fine' })).toEqual({
      ok: true,
      score: 100,
    });
    expect(scoreAssessment(questions, { soc2: false, mfa: 1 })).toEqual({ ok: true, score: 0 });
    // 3 × 1 + 1 × (3 - 1) / 4 = 3.5 of 4.
    expect(scoreAssessment(questions, { soc2: true, mfa: 3 })).toEqual({ ok: true, score: 88 });
    expect(scoreAssessment(questions, { soc2: false, mfa: 5 })).toEqual({ ok: true, score: 25 });
  });

  it('names the question whose answer does not fit', () => {
    expect(scoreAssessment(questions, { soc2: true, mfa: 6 })).toEqual({
      ok: false,
      issue: { questionId: 'mfa', message: 'must be a whole number from 1 to 5' },
    });
    expect(scoreAssessment(questions, { soc2: 'yes', mfa: 2 })).toMatchObject({
      issue: { questionId: 'soc2' },
    });
    expect(scoreAssessment(questions, { mfa: 2 })).toMatchObject({
      issue: { questionId: 'soc2', message: 'must be answered' },
    });
    expect(scoreAssessment(questions, { soc2: true, mfa: 2, other: true })).toMatchObject({
      issue: { questionId: 'other' },
    });
  });

  it('schedules the next review by tier: critical yearly, high every two years', () => {
    const registered = new Date('2026-01-10T00:00:00Z');
    const last = new Date('2026-03-01T00:00:00Z');
    expect(nextReviewDue('critical', null, registered)).toEqual(registered);
    expect(nextReviewDue('critical', last, registered)).toEqual(new Date('2027-03-01T00:00:00Z'));
    expect(nextReviewDue('high', last, registered)).toEqual(new Date('2028-03-01T00:00:00Z'));
  });
});
