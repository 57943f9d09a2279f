import { isBelow } from '@vigilo/shared/grading';
import type { Grade } from '@vigilo/shared/snapshot';
import type { ControlTestEvaluator } from './types.ts';
import { iso, judge } from './types.ts';
import { productionHosts } from './production-hosts.ts';

/**
 * No production endpoint grades below B, by the grade of its latest graded scan (kept through an
 * outage, as the grade_below alert reads it). A grade outside the letter scale (T: not trusted)
 * ranks below every letter, as the shared grading rule says.
 */
export const productionGradeB: ControlTestEvaluator = async (tx) => {
  const hosts = await productionHosts(tx);
  const subjects = hosts.flatMap((h) => {
    const grade = (h.facts?.grade ?? h.grade ?? null) as Grade | null;
    if (!grade) return [];
    return [
      {
        type: 'host',
        id: h.id,
        ok: !isBelow(grade, 'B'),
        fields: { hostname: h.hostname, port: h.port, grade, scannedAt: iso(h.scannedAt) },
      },
    ];
  });
  return judge(subjects, {
    none: 'No production host has a graded scan yet.',
    pass: (n) => `All ${n} graded production endpoint(s) grade B or better.`,
    fail: (bad, n) => `${bad} of ${n} graded production endpoint(s) grade below B.`,
  });
};
