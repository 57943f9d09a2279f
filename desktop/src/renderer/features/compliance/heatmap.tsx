import type { RiskHeatmap } from '../../../bridge/compliance.ts';
import { useCompliance } from './store.ts';

const LEVELS = [1, 2, 3, 4, 5];

/** A cell's colour by its score (likelihood × impact), as the register's bands read. */
function shade(score: number): string {
  if (score >= 15) return 'rgba(220, 53, 69, 0.75)';
  if (score >= 8) return 'rgba(255, 153, 0, 0.6)';
  if (score >= 4) return 'rgba(255, 205, 0, 0.45)';
  return 'rgba(40, 167, 69, 0.35)';
}

/**
 * The 5×5 heat map: likelihood up the side (5 at the top), impact along the bottom, each cell a
 * button with its count. Clicking a cell narrows the register to it; clicking it again clears.
 */
export function HeatMap({ map }: { map: RiskHeatmap | undefined }) {
  const cell = useCompliance((s) => s.cell);
  const pick = (likelihood: number, impact: number) =>
    useCompliance.setState({
      cell: cell?.likelihood === likelihood && cell.impact === impact ? undefined : { likelihood, impact },
      riskId: undefined,
    });
  return (
    <div
      role="grid"
      aria-label={`Risk heat map (${map?.view ?? 'inherent'})`}
      data-testid="risk-heatmap"
      style={{
        display: 'grid',
        gridTemplateColumns: '2.5em repeat(5, 4.5em)',
        gap: 4,
        margin: '8px 0',
        width: 'max-content',
      }}
    >
      {[...LEVELS].reverse().map((likelihood) => (
        <div role="row" key={likelihood} style={{ display: 'contents' }}>
          <span className="muted" style={{ alignSelf: 'center' }}>
            L{likelihood}
          </span>
          {LEVELS.map((impact) => {
            const n = map?.counts[likelihood - 1]?.[impact - 1] ?? 0;
            const chosen = cell?.likelihood === likelihood && cell.impact === impact;
            return (
              <button
                key={impact}
                role="gridcell"
                data-testid={`heat-${likelihood}-${impact}`}
                data-count={n}
                aria-pressed={chosen}
                aria-label={`likelihood ${likelihood}, impact ${impact}: ${n} ${n === 1 ? 'risk' : 'risks'}`}
                onClick={() => pick(likelihood, impact)}
                style={{
                  height: '3em',
                  background: shade(likelihood * impact),
                  outline: chosen ? '3px solid currentColor' : undefined,
                  fontWeight: n ? 700 : 400,
                  opacity: n ? 1 : 0.55,
                }}
              >
                {n || ''}
              </button>
            );
          })}
        </div>
      ))}
      <span />
      {LEVELS.map((impact) => (
        <span key={impact} className="muted" style={{ textAlign: 'center' }}>
          I{impact}
        </span>
      ))}
    </div>
  );
}
