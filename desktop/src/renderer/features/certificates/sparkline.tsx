import { GRADE_ORDER } from '@vigilo/shared/grading';
import type { GradePoint } from '../../../bridge/inventory.ts';

const WIDTH = 240;
const HEIGHT = 48;
const PAD = 4;

/** Best grade at the top; T and M (untrusted, mismatch) below F, as the server ranks them. */
function rank(grade: string): number {
  const i = (GRADE_ORDER as readonly string[]).indexOf(grade);
  return i === -1 ? GRADE_ORDER.length : i;
}

function tone(grade: string): string {
  const r = rank(grade);
  if (r <= 2) return 'good';
  if (r <= 4) return 'fair';
  return 'poor';
}

/**
 * A day-by-day grade sparkline (worst grade of each day), drawn as SVG: no chart dependency for
 * thirty dots. Days without a graded scan leave a gap rather than a made-up value.
 */
export function GradeSparkline({ points }: { points: GradePoint[] }) {
  const step = points.length > 1 ? (WIDTH - 2 * PAD) / (points.length - 1) : 0;
  const y = (grade: string) => PAD + (rank(grade) / GRADE_ORDER.length) * (HEIGHT - 2 * PAD);
  const coords = points.map((p, i) => (p.grade ? { x: PAD + i * step, y: y(p.grade), p } : null));
  // Consecutive graded days form one line; a gap starts a new one.
  const runs: string[] = [];
  let run: string[] = [];
  for (const c of coords) {
    if (c) {
      run.push(`${c.x.toFixed(1)},${c.y.toFixed(1)}`);
    } else if (run.length) {
      runs.push(run.join(' '));
      run = [];
    }
  }
  if (run.length) runs.push(run.join(' '));
  const graded = points.filter((p) => p.grade);
  const summary = graded.length
    ? `Grade over ${points.length} days: from ${graded[0]?.grade} to ${graded.at(-1)?.grade}`
    : `No graded scan in ${points.length} days`;
  return (
    <svg
      className="sparkline"
      data-testid="grade-sparkline"
      data-points={graded.length}
      width={WIDTH}
      height={HEIGHT}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={summary}
    >
      {runs.map((r) => (
        <polyline key={r} points={r} fill="none" />
      ))}
      {coords.map((c) =>
        c ? (
          <circle key={c.p.day} cx={c.x} cy={c.y} r={2.5} className={`g-${tone(c.p.grade ?? '')}`}>
            <title>
              {c.p.day}: {c.p.grade}
              {c.p.reachable === false ? ' (unreachable at times)' : ''}
            </title>
          </circle>
        ) : null,
      )}
    </svg>
  );
}
