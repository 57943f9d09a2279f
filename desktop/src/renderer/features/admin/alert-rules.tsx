import { TLS_VERSIONS, Grade } from '@vigilo/shared/snapshot';
import type { AlertSeverity } from '@vigilo/shared/alert-rules';
import { useCallback, useEffect, useState } from 'react';
import type {
  PredicateDraft,
  RuleMatchesView,
  RuleTargets,
  RuleView,
  ScopeDraft,
} from '../../../bridge/alerting-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, Outcome } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { useNewIntent } from './new-intent.ts';
import {
  kindOf,
  matchesWords,
  PREDICATE_KINDS,
  predicateWords,
  scopeWords,
  type ThresholdField,
} from './alert-rule-words.ts';

const SEVERITIES: AlertSeverity[] = ['info', 'warning', 'critical'];
type NumberField = Exclude<ThresholdField, 'grade' | 'protocol'>;
/** Where a new rule of each kind starts: the thresholds the default rules use. */
const START: Record<NumberField, string> = { days: '30', scans: '3', ms: '1000', minutes: '15' };

type Draft = {
  id: string | undefined;
  name: string;
  kind: string;
  numbers: Record<NumberField, string>;
  grade: string;
  protocol: string;
  scopeKind: string;
  tag: string;
  hostId: string;
  severity: AlertSeverity;
  openAfter: string;
  resolveAfter: string;
  enabled: boolean;
  /** The saved rule's open alerts (online), which disabling it resolves. */
  openAlerts: number;
};

const blank = (): Draft => ({
  id: undefined,
  name: '',
  kind: 'expires_within',
  numbers: { ...START },
  grade: 'B',
  protocol: 'TLSv1',
  scopeKind: 'all',
  tag: '',
  hostId: '',
  severity: 'warning',
  openAfter: '1',
  resolveAfter: '1',
  enabled: true,
  openAlerts: 0,
});

const fromRule = (r: RuleView): Draft => {
  const d = blank();
  const numbers = { ...d.numbers };
  for (const f of Object.keys(numbers) as NumberField[]) {
    const v = r.predicate[f];
    if (v !== undefined) numbers[f] = String(v);
  }
  return {
    ...d,
    id: r.id,
    name: r.name,
    kind: r.predicate.kind,
    numbers,
    grade: r.predicate.grade ?? d.grade,
    protocol: r.predicate.protocol ?? d.protocol,
    scopeKind: r.scope.kind,
    tag: r.scope.tag ?? '',
    hostId: r.scope.hostId ?? '',
    severity: r.severity,
    openAfter: String(r.openAfter),
    resolveAfter: String(r.resolveAfter),
    enabled: r.enabled,
    openAlerts: r.openAlerts ?? 0,
  };
};

const openAlertsWords = (n: number) => `${n} open alert${n === 1 ? '' : 's'}`;

/** A typed number, or 0 for anything else: the server refuses it in words naming the field. */
const whole = (s: string) => (/^\s*-?\d{1,9}\s*$/.test(s) ? Number(s) : 0);

function predicateOf(d: Draft): PredicateDraft {
  const field = kindOf(d.kind)?.field;
  if (field === undefined) return { kind: d.kind };
  if (field === 'grade') return { kind: d.kind, grade: d.grade };
  if (field === 'protocol') return { kind: d.kind, protocol: d.protocol };
  return { kind: d.kind, [field]: whole(d.numbers[field]) };
}

function scopeOf(d: Draft): ScopeDraft {
  if (d.scopeKind === 'tag') return { kind: 'tag', tag: d.tag.trim() };
  if (d.scopeKind === 'host') return { kind: 'host', hostId: d.hostId };
  return { kind: 'all' };
}

/**
 * How many hosts the rule being written matches now, asked again a moment after each change of
 * its predicate or scope.
 */
function usePreview(predicate: PredicateDraft, scope: ScopeDraft) {
  const [preview, setPreview] = useState<{ matches?: RuleMatchesView; problem?: string }>({});
  const key = JSON.stringify([predicate, scope]);
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      void bridge.call('alertRules.preview', { predicate, scope }).then((r) => {
        if (!live) return;
        setPreview(r.ok ? { matches: r.matches } : { problem: r.message });
      });
    }, 250);
    return () => {
      live = false;
      clearTimeout(timer);
    };
    // Keyed by the predicate and scope's value: the new objects of each render must not re-ask.
  }, [key]);
  return preview;
}

/** The threshold input of the chosen predicate kind. */
function Threshold(props: { d: Draft; set: (d: Draft) => void; errors: Record<string, string> }) {
  const { d, set, errors } = props;
  const k = kindOf(d.kind);
  if (!k?.field) return null;
  const field = k.field;
  if (field === 'grade' || field === 'protocol') {
    const options = field === 'grade' ? Grade.options : TLS_VERSIONS;
    return (
      <label>
        {field === 'grade' ? 'Grade' : 'Protocol'}
        <select value={d[field]} onChange={(e) => set({ ...d, [field]: e.target.value })}>
          {options.map((o) => (
            <option key={o}>{o}</option>
          ))}
        </select>
        <FieldError errors={errors} field={`predicate.${field}`} />
      </label>
    );
  }
  return (
    <label>
      Threshold ({k.unit})
      <input
        inputMode="numeric"
        value={d.numbers[field]}
        onChange={(e) => set({ ...d, numbers: { ...d.numbers, [field]: e.target.value } })}
      />
      <FieldError errors={errors} field={`predicate.${field}`} />
    </label>
  );
}

/** Creates a rule, or edits the one it was opened with; the server's words beside each field. */
function RuleForm(props: {
  draft: Draft;
  targets: RuleTargets;
  onDone: (saved: string | undefined) => void;
}) {
  const [d, setD] = useState(props.draft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const predicate = predicateOf(d);
  const scope = scopeOf(d);
  const preview = usePreview(predicate, scope);
  const save = async () => {
    const result = await bridge.call('alertRules.save', {
      ...(d.id ? { id: d.id } : {}),
      name: d.name,
      predicate,
      scope,
      severity: d.severity,
      openAfter: whole(d.openAfter),
      resolveAfter: whole(d.resolveAfter),
      enabled: d.enabled,
    });
    if (result.ok) props.onDone(d.name);
    else {
      setErrors(result.fieldErrors);
      setMessage({ ok: false, text: `Not saved: ${result.message}.` });
    }
  };
  return (
    <form
      className="change-form"
      aria-label={d.id ? 'Edit rule' : 'New rule'}
      data-testid="rule-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        Rule name
        <input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} />
        <FieldError errors={errors} field="name" />
      </label>
      <label>
        Alert when
        <select value={d.kind} onChange={(e) => setD({ ...d, kind: e.target.value })}>
          {PREDICATE_KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="predicate.kind" />
      </label>
      <Threshold d={d} set={setD} errors={errors} />
      <fieldset>
        <legend>Hosts</legend>
        {(
          [
            ['all', 'All hosts'],
            ['tag', 'Hosts with a tag'],
            ['host', 'One host'],
          ] as const
        ).map(([kind, label]) => (
          <label key={kind} className="inline">
            <input
              type="radio"
              name="rule-scope"
              checked={d.scopeKind === kind}
              onChange={() => setD({ ...d, scopeKind: kind })}
            />{' '}
            {label}
          </label>
        ))}
        {d.scopeKind === 'tag' ? (
          <label>
            Tag
            <input
              aria-label="Tag"
              list="rule-tags"
              value={d.tag}
              onChange={(e) => setD({ ...d, tag: e.target.value })}
            />
            <datalist id="rule-tags">
              {props.targets.tags.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
            <FieldError errors={errors} field="scope.tag" />
          </label>
        ) : null}
        {d.scopeKind === 'host' ? (
          <label>
            Host
            <select
              aria-label="Host"
              value={d.hostId}
              onChange={(e) => setD({ ...d, hostId: e.target.value })}
            >
              <option value="">Choose a host</option>
              {props.targets.hosts.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.label}
                </option>
              ))}
            </select>
            <FieldError errors={errors} field="scope.hostId" />
          </label>
        ) : null}
        <FieldError errors={errors} field="scope.kind" />
      </fieldset>
      <p className="hint" role="status" data-testid="rule-preview">
        {preview.matches
          ? `This rule ${matchesWords(preview.matches)}.`
          : (preview.problem ?? 'Counting the hosts it matches…')}
      </p>
      <label>
        Severity
        <select
          value={d.severity}
          onChange={(e) => setD({ ...d, severity: e.target.value as AlertSeverity })}
        >
          {SEVERITIES.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <FieldError errors={errors} field="severity" />
      </label>
      <fieldset>
        <legend>Flapping</legend>
        <label>
          Open after (evaluations in a row)
          <input
            inputMode="numeric"
            value={d.openAfter}
            onChange={(e) => setD({ ...d, openAfter: e.target.value })}
          />
          <FieldError errors={errors} field="openAfter" />
        </label>
        <label>
          Resolve after (evaluations in a row)
          <input
            inputMode="numeric"
            value={d.resolveAfter}
            onChange={(e) => setD({ ...d, resolveAfter: e.target.value })}
          />
          <FieldError errors={errors} field="resolveAfter" />
        </label>
      </fieldset>
      <label className="inline">
        <input
          type="checkbox"
          checked={d.enabled}
          onChange={(e) => setD({ ...d, enabled: e.target.checked })}
        />{' '}
        Enabled
      </label>
      {!d.enabled && d.openAlerts > 0 ? (
        // The server resolves a disabled rule's open alerts: nothing would evaluate them again.
        <p className="hint" role="status" data-testid="rule-disable-note">
          Saving resolves its {openAlertsWords(d.openAlerts)}; enabled again, it is evaluated at once.
        </p>
      ) : null}
      <div className="actions">
        <button type="submit">Save rule</button>
        <button type="button" onClick={() => props.onDone(undefined)}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="rule-form-result" />
    </form>
  );
}

/**
 * Settings › Alert rules: every rule with what it matches now; admins create, edit and remove
 * them online. Offline the replica's rules are shown read-only with the reason.
 */
export function AlertRulesAdmin() {
  const isAdmin = useCan('administer');
  const [rules, setRules] = useState<RuleView[]>([]);
  const [live, setLive] = useState<{ live: boolean; note: string }>({ live: true, note: '' });
  const [targets, setTargets] = useState<RuleTargets>({ hosts: [], tags: [] });
  const [editing, setEditing] = useState<Draft | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const [list, known] = await Promise.all([
      bridge.call('alertRules.list', {}),
      bridge.call('alertRules.targets', {}),
    ]);
    setTargets(known);
    if (list.ok) {
      setRules(list.rules);
      setLive({ live: list.live, note: list.note });
    } else setMessage({ ok: false, text: list.message });
  }, []);
  useEffect(() => void load(), [load]);
  useNewIntent(isAdmin, () => setEditing(blank()));
  const canEdit = isAdmin && live.live;
  const hostLabel = (id: string) => targets.hosts.find((h) => h.id === id)?.label;
  const remove = async (r: RuleView) => {
    setConfirming(undefined);
    const result = await bridge.call('alertRules.remove', { id: r.id });
    setMessage(result.ok ? { ok: true, text: `Removed ${r.name}.` } : { ok: false, text: result.message });
    await load();
  };
  return (
    <section aria-label="Alert rules" data-testid="page-alert-rules">
      <h2>
        Alert rules{' '}
        {canEdit && !editing ? <button onClick={() => setEditing(blank())}>New rule</button> : null}
      </h2>
      <p className="hint">
        A rule opens an alert on each host in its scope where its condition holds, after the evaluations in a
        row its flapping setting asks for; alerts go to the channels subscribed to them. Disabling or removing
        a rule resolves its open alerts.
      </p>
      {live.note ? (
        <p role="status" className="bad" data-testid="rules-offline">
          {live.note}
        </p>
      ) : null}
      {!isAdmin ? <p className="muted">Only admins can change alert rules.</p> : null}
      {editing ? (
        <RuleForm
          key={editing.id ?? 'new'}
          draft={editing}
          targets={targets}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) setMessage({ ok: true, text: `Saved ${saved}.` });
            void load();
          }}
        />
      ) : null}
      <Outcome message={message} testId="rules-result" />
      {rules.length === 0 ? <p className="muted">No alert rule: nothing raises an alert.</p> : null}
      <ul className="plain">
        {rules.map((r) => (
          <li key={r.id} data-testid="rule-row" data-name={r.name}>
            <strong>{r.name}</strong> <span className={`severity ${r.severity}`}>{r.severity}</span>
            {r.enabled ? '' : <span className="muted"> · disabled</span>}
            <div className="muted">
              {predicateWords(r.predicate)} · {scopeWords(r.scope, hostLabel)}
              {r.openAfter > 1 || r.resolveAfter > 1
                ? ` · opens after ${r.openAfter}, resolves after ${r.resolveAfter} in a row`
                : ''}
            </div>
            {r.matches ? (
              <div data-testid="rule-matches">
                {matchesWords(r.matches)}
                {r.openAlerts ? ` · ${openAlertsWords(r.openAlerts)}` : ''}
              </div>
            ) : null}
            {canEdit ? (
              confirming === r.id ? (
                <span className="actions" role="group" aria-label={`Remove ${r.name}?`}>
                  Remove {r.name} and its alerts' history?
                  {r.openAlerts ? ` Its ${openAlertsWords(r.openAlerts)} will be resolved first.` : ''}{' '}
                  <button onClick={() => void remove(r)}>Yes, remove</button>{' '}
                  <button onClick={() => setConfirming(undefined)}>Keep it</button>
                </span>
              ) : (
                <span className="actions">
                  <button onClick={() => setEditing(fromRule(r))}>Edit</button>{' '}
                  <button onClick={() => setConfirming(r.id)}>Remove</button>
                </span>
              )
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
