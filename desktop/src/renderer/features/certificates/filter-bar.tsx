import { EXPIRY_BANDS, type ExpiryBand, type HostFilter } from '../../../bridge/inventory.ts';
import { useStore } from '../../store.ts';

const BAND_LABEL: Record<ExpiryBand, string> = {
  expired: 'Expired',
  'under-7': 'Under 7 days',
  '7-30': '7–30 days',
  'over-30': 'Over 30 days',
  unknown: 'No certificate',
};

/**
 * Text (hostname, tags, subject), tag, grade, expiry band and paused. The text box carries
 * `data-search` so the app-wide `/` shortcut can focus it.
 */
export function FilterBar({ tags, grades }: { tags: string[]; grades: string[] }) {
  const filter = useStore((s) => s.hostFilter);
  const setFilter = useStore((s) => s.setHostFilter);
  const update = (patch: Partial<HostFilter>) => {
    const next: HostFilter = { ...filter, ...patch };
    for (const k of Object.keys(next) as Array<keyof HostFilter>) if (next[k] === undefined) delete next[k];
    void setFilter(next);
  };
  return (
    <div className="filters" role="search">
      <input
        data-search
        aria-label="Filter hosts"
        placeholder="Filter by host, tag or subject…"
        value={filter.text ?? ''}
        onChange={(e) => update({ text: e.target.value || undefined })}
        onKeyDown={(e) => {
          // Back to the list: the keyboard shortcuts work again.
          if (e.key === 'Escape' || e.key === 'Enter') e.currentTarget.blur();
        }}
      />
      <select
        aria-label="Tag"
        value={filter.tag ?? ''}
        onChange={(e) => update({ tag: e.target.value || undefined })}
      >
        <option value="">All tags</option>
        {tags.map((t) => (
          <option key={t}>{t}</option>
        ))}
      </select>
      <select
        aria-label="Grade"
        value={filter.grade ?? ''}
        onChange={(e) => update({ grade: e.target.value || undefined })}
      >
        <option value="">All grades</option>
        {grades.map((g) => (
          <option key={g}>{g}</option>
        ))}
      </select>
      <select
        aria-label="Expiry"
        value={filter.band ?? ''}
        onChange={(e) => update({ band: (e.target.value || undefined) as ExpiryBand | undefined })}
      >
        <option value="">Any expiry</option>
        {EXPIRY_BANDS.map((b) => (
          <option key={b} value={b}>
            {BAND_LABEL[b]}
          </option>
        ))}
      </select>
      <select
        aria-label="Paused"
        value={filter.paused === undefined ? '' : String(filter.paused)}
        onChange={(e) => update({ paused: e.target.value === '' ? undefined : e.target.value === 'true' })}
      >
        <option value="">Active and paused</option>
        <option value="false">Active only</option>
        <option value="true">Paused only</option>
      </select>
    </div>
  );
}
