import { CHANGE_STATES, CHANGE_TYPES } from '@vigilo/shared/change-states';
import { RISK_LEVELS } from '@vigilo/shared/change-risk';
import { useEffect, useState } from 'react';
import type { ChangeFilter } from '../../../bridge/changes.ts';
import { Away } from '../change-admin/away.tsx';
import { Calendar } from '../change-admin/calendar.tsx';
import { ChangeEditor } from '../change-admin/change-edit.tsx';
import { Policies } from '../change-admin/policies.tsx';
import { Templates } from '../change-admin/templates.tsx';
import { useStore } from '../../store.ts';
import { FilterSelect } from '../shell/filter-select.tsx';
import { ChangeDetailPane } from './change-detail.tsx';
import { ChangeForm } from './change-form.tsx';
import { ChangeMoves } from './change-moves.tsx';
import { useCan } from '../session/can.ts';

const typing = (t: EventTarget | null) =>
  t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;

const day = (iso: string | undefined) => (iso ? new Date(iso).toLocaleDateString() : '—');

/** Filters: words of the title, state, type and risk. */
function ChangeFilters() {
  const filter = useStore((s) => s.changeFilter);
  const update = (patch: Partial<ChangeFilter>) => {
    const next: ChangeFilter = { ...filter, ...patch };
    for (const k of Object.keys(next) as Array<keyof ChangeFilter>) if (!next[k]) delete next[k];
    void useStore.getState().setChangeFilter(next);
  };
  return (
    <div className="filters" role="search">
      <input
        data-search
        aria-label="Filter changes"
        placeholder="Filter by title…"
        value={filter.text ?? ''}
        onChange={(e) => update({ text: e.target.value })}
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === 'Enter') e.currentTarget.blur();
        }}
      />
      <FilterSelect
        label="State"
        any="Any state"
        options={CHANGE_STATES}
        text={(s) => s.replace('_', ' ')}
        value={filter.state}
        onChange={(state) => update({ state: state || undefined })}
      />
      <FilterSelect
        label="Type"
        any="Any type"
        options={CHANGE_TYPES}
        value={filter.type}
        onChange={(type) => update({ type: type || undefined })}
      />
      <FilterSelect
        label="Risk"
        any="Any risk"
        options={RISK_LEVELS}
        value={filter.risk}
        onChange={(risk) => update({ risk: risk || undefined })}
      />
    </div>
  );
}

/**
 * Changes: every change newest first, filtered by state, type and risk, with the open change's
 * risk reasons, collisions, approval trail and timeline, and the moves allowed from its state.
 * j / k move, Enter opens, Esc closes, c raises a new change. Creating and moving need the
 * server; the server's refusals are shown in its own words.
 */
function ChangeList() {
  const changes = useStore((s) => s.changes);
  const selected = useStore((s) => s.changeSelected);
  const detail = useStore((s) => s.changeDetail);
  const formOpen = useStore((s) => s.changeFormOpen);
  const canOperate = useCan('operate');

  useEffect(() => {
    void useStore.getState().loadChanges();
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.metaKey || e.ctrlKey || e.altKey) return;
      const s = useStore.getState();
      const row = s.changes[s.changeSelected];
      if (e.key === 'j') s.moveChange(1);
      else if (e.key === 'k') s.moveChange(-1);
      else if (e.key === 'Enter' && row) void s.openChange(row.id);
      else if (e.key === 'Escape') s.closeChange();
      else if (e.key === 'c' && canOperate) s.setChangeFormOpen(true);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canOperate]);

  return (
    <div className={detail ? 'changes with-pane' : 'changes'}>
      <section aria-label="Changes" data-testid="page-changes">
        <h1>
          Changes <span className="badge">{changes.length}</span>{' '}
          {canOperate ? (
            <button onClick={() => useStore.getState().setChangeFormOpen(!formOpen)}>New change (c)</button>
          ) : null}
        </h1>
        <p className="hint">j / k move · Enter open · Esc close · c new change · / filter</p>
        {formOpen ? <ChangeForm /> : null}
        <ChangeFilters />
        {changes.length === 0 ? <p className="muted">No changes match.</p> : null}
        <div
          className="list short"
          role="listbox"
          aria-label="Changes list"
          data-empty={changes.length === 0}
        >
          {changes.map((c, i) => (
            <div
              key={c.id}
              role="option"
              aria-selected={i === selected}
              data-testid="change-row"
              data-id={c.id}
              data-state={c.state}
              className={`row ${i === selected ? 'selected' : ''} risk-${c.risk}`}
              onClick={() => useStore.setState({ changeSelected: i })}
              onDoubleClick={() => void useStore.getState().openChange(c.id)}
            >
              <span className="title">{c.title}</span>
              <span className="muted">
                {c.type} · by {c.requester.name} · {day(c.plannedStart)}
              </span>
              <span className="risk">{c.risk}</span>
              <span className="state">
                {c.state.replace('_', ' ')}
                {c.waitingOnMe ? ' · waiting on you' : ''}
              </span>
            </div>
          ))}
        </div>
      </section>
      {detail ? (
        <ChangeDetailPane
          detail={detail}
          onClose={() => useStore.getState().closeChange()}
          actions={
            canOperate ? (
              <>
                <ChangeMoves detail={detail} />
                <ChangeEditor key={`${detail.id}:${detail.revision}`} detail={detail} />
              </>
            ) : null
          }
        />
      ) : null}
    </div>
  );
}

/** The Changes page's tabs: the changes, and the rules they follow. */
const TABS = [
  ['changes', 'Changes'],
  ['policies', 'Policies'],
  ['templates', 'Templates'],
  ['calendar', 'Freeze & CAB'],
  ['away', "I'm away"],
] as const;

/**
 * Changes, with the rules around them as tabs: approval policies, standard-change templates,
 * freeze windows and CAB meetings, and delegations while I am away.
 */
export function Changes() {
  const [tab, setTab] = useState<(typeof TABS)[number][0]>('changes');
  return (
    <>
      <div className="tabs" role="tablist" aria-label="Change management">
        {TABS.map(([key, label]) => (
          <button key={key} role="tab" aria-selected={tab === key} onClick={() => setTab(key)}>
            {label}
          </button>
        ))}
      </div>
      {tab === 'changes' ? <ChangeList /> : null}
      {tab === 'policies' ? <Policies /> : null}
      {tab === 'templates' ? <Templates /> : null}
      {tab === 'calendar' ? <Calendar /> : null}
      {tab === 'away' ? <Away /> : null}
    </>
  );
}
