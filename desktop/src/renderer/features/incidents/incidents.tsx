import { INCIDENT_SEVERITIES, INCIDENT_STATES, type IncidentSeverity } from '@vigilo/shared/incident-states';
import { useEffect, useState } from 'react';
import type { IncidentFilter } from '../../../bridge/incidents.ts';
import { useStore } from '../../store.ts';
import { FilterSelect } from '../shell/filter-select.tsx';
import { IncidentPane } from './incident-detail.tsx';
import { useCan } from '../session/can.ts';

const typing = (t: EventTarget | null) =>
  t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;

/** Filters: words of the title, state (open by default) and severity. */
function IncidentFilters() {
  const filter = useStore((s) => s.incidentFilter);
  const update = (patch: Partial<IncidentFilter>) => {
    const next: IncidentFilter = { ...filter, ...patch };
    for (const k of Object.keys(next) as Array<keyof IncidentFilter>) if (!next[k]) delete next[k];
    void useStore.getState().setIncidentFilter(next);
  };
  return (
    <div className="filters" role="search">
      <input
        data-search
        aria-label="Filter incidents"
        placeholder="Filter by title…"
        value={filter.text ?? ''}
        onChange={(e) => update({ text: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === 'Enter') e.currentTarget.blur();
        }}
      />
      <FilterSelect<NonNullable<IncidentFilter['state']>>
        label="State"
        any="Any state"
        before={<option value="open">Open</option>}
        options={INCIDENT_STATES}
        value={filter.state}
        onChange={(state) => update({ state: state || undefined })}
      />
      <FilterSelect
        label="Severity"
        any="Any severity"
        options={INCIDENT_SEVERITIES}
        value={filter.severity}
        onChange={(severity) => update({ severity: severity || undefined })}
      />
    </div>
  );
}

/** Opens an incident from scratch (online): a title and a severity. */
function OpenIncidentForm() {
  const [title, setTitle] = useState('');
  const [severity, setSeverity] = useState<IncidentSeverity>('SEV3');
  const [message, setMessage] = useState<string | undefined>();
  return (
    <form
      className="filters"
      aria-label="Open an incident"
      onSubmit={(e) => {
        e.preventDefault();
        void useStore
          .getState()
          .raiseIncident({ title, severity })
          .then((r) => {
            setMessage(r.ok ? undefined : `Not opened: ${r.message}.`);
            if (r.ok) setTitle('');
          });
      }}
    >
      <input
        aria-label="Incident title"
        placeholder="What is wrong?"
        value={title}
        onChange={(e) => setTitle(e.target.value)}
      />
      <select
        aria-label="New incident severity"
        value={severity}
        onChange={(e) => setSeverity(e.target.value as IncidentSeverity)}
      >
        {INCIDENT_SEVERITIES.map((s) => (
          <option key={s}>{s}</option>
        ))}
      </select>
      <button type="submit">Open incident</button>
      {message ? (
        <span role="status" className="bad">
          {message}
        </span>
      ) : null}
    </form>
  );
}

/**
 * Incidents: open ones first by severity, then the rest, with the open incident's timeline,
 * links and tasks. j / k move, Enter opens, Esc closes, n writes a note. Notes and moves work
 * offline through the outbox; a move someone else overtook comes back as a conflict in words.
 */
export function Incidents() {
  const incidents = useStore((s) => s.incidents);
  const selected = useStore((s) => s.incidentSelected);
  const detail = useStore((s) => s.incidentDetail);
  const canOperate = useCan('operate');

  useEffect(() => {
    void useStore.getState().loadIncidents();
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.metaKey || e.ctrlKey || e.altKey) return;
      const s = useStore.getState();
      const row = s.incidents[s.incidentSelected];
      if (e.key === 'j') s.moveIncident(1);
      else if (e.key === 'k') s.moveIncident(-1);
      else if (e.key === 'Enter' && row) void s.openIncident(row.id);
      else if (e.key === 'Escape') s.closeIncident();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className={detail ? 'incidents with-pane' : 'incidents'}>
      <section aria-label="Incidents" data-testid="page-incidents">
        <h1>
          Incidents <span className="badge">{incidents.length}</span>
        </h1>
        <p className="hint">j / k move · Enter open · Esc close · n note · / filter</p>
        {canOperate ? <OpenIncidentForm /> : null}
        <IncidentFilters />
        {incidents.length === 0 ? <p className="muted">No incidents match.</p> : null}
        <div
          className="list short"
          role="listbox"
          aria-label="Incidents list"
          data-empty={incidents.length === 0}
        >
          {incidents.map((i, n) => (
            <div
              key={i.id}
              role="option"
              aria-selected={n === selected}
              data-testid="incident-row"
              data-id={i.id}
              data-state={i.state}
              data-pending={i.pending}
              className={`row ${n === selected ? 'selected' : ''} sev-${i.severity}`}
              onClick={() => useStore.setState({ incidentSelected: n })}
              onDoubleClick={() => void useStore.getState().openIncident(i.id)}
            >
              <span className="sev">{i.severity}</span>
              <span className="title">{i.title}</span>
              <span className="muted">{i.commander ? `led by ${i.commander.name}` : ''}</span>
              <span className="state">
                {i.state}
                {i.pending ? ' (waiting to send)' : ''}
              </span>
            </div>
          ))}
        </div>
      </section>
      {detail ? <IncidentPane detail={detail} canOperate={canOperate} /> : null}
    </div>
  );
}
