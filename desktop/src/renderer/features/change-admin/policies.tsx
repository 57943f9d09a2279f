import { APPROVER_GROUPS } from '@vigilo/shared/change-inputs';
import { RISK_LEVELS, type RiskLevel } from '@vigilo/shared/change-risk';
import { CHANGE_TYPES, type ChangeType } from '@vigilo/shared/change-states';
import { useCallback, useEffect, useState } from 'react';
import type { PolicyStepDraft, PolicyView } from '../../../bridge/change-admin.ts';
import type { Person } from '../../../bridge/changes.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, Outcome, peopleNames, PeoplePicker, useFormWords, words } from './form-bits.tsx';
import { useCan } from '../session/can.ts';

type Step = { name: string; approverIds: string[]; group: string; quorum: string };
type Draft = {
  id: string | undefined;
  name: string;
  changeTypes: ChangeType[];
  minRisk: string;
  tags: string;
  steps: Step[];
};
const newStep = (n: number): Step => ({ name: `Step ${n}`, approverIds: [], group: '', quorum: '1' });
const blank = (): Draft => ({
  id: undefined,
  name: '',
  changeTypes: [],
  minRisk: '',
  tags: '',
  steps: [newStep(1)],
});
const fromPolicy = (p: PolicyView): Draft => ({
  id: p.id,
  name: p.name,
  changeTypes: p.changeTypes as ChangeType[],
  minRisk: p.minRisk ?? '',
  tags: p.tags.join(', '),
  steps: p.steps.map((s) => ({
    name: s.name,
    approverIds: s.approvers.map((a) => a.id),
    group: s.group ?? '',
    quorum: String(s.quorum),
  })),
});

/** One step of the form: its name, approvers (members or a group) and quorum. */
function StepFields(props: {
  step: Step;
  index: number;
  people: Person[];
  errors: Record<string, string>;
  onChange: (s: Step) => void;
  onRemove: (() => void) | undefined;
}) {
  const { step, index: i, errors } = props;
  return (
    <fieldset data-testid="policy-step-form">
      <legend>Step {i + 1}</legend>
      <label>
        Step name
        <input value={step.name} onChange={(e) => props.onChange({ ...step, name: e.target.value })} />
        <FieldError errors={errors} field={`steps.${i}.name`} />
      </label>
      <label>
        Approvers
        <PeoplePicker
          label={`Approvers of step ${i + 1}`}
          people={props.people}
          value={step.approverIds}
          onChange={(approverIds) => props.onChange({ ...step, approverIds })}
        />
        <FieldError errors={errors} field={`steps.${i}.approverIds`} />
      </label>
      <label>
        Or a group
        <select value={step.group} onChange={(e) => props.onChange({ ...step, group: e.target.value })}>
          <option value="">No group</option>
          {APPROVER_GROUPS.map((g) => (
            <option key={g} value={g}>
              every {g} and above
            </option>
          ))}
        </select>
        <FieldError errors={errors} field={`steps.${i}.group`} />
      </label>
      <label>
        Quorum (a number, or all)
        <input
          aria-label={`Quorum of step ${i + 1}`}
          value={step.quorum}
          onChange={(e) => props.onChange({ ...step, quorum: e.target.value })}
        />
        <FieldError errors={errors} field={`steps.${i}.quorum`} />
      </label>
      {props.onRemove ? (
        <button type="button" onClick={props.onRemove}>
          Remove step
        </button>
      ) : null}
    </fieldset>
  );
}

/** Creates a policy, or edits the one it was opened with; the server's words under each field. */
function PolicyForm(props: { draft: Draft; people: Person[]; onDone: () => void }) {
  const [d, setD] = useState(props.draft);
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const save = async () => {
    const steps: PolicyStepDraft[] = d.steps.map((s) => ({
      name: s.name,
      approverIds: s.approverIds,
      group: (s.group || null) as PolicyStepDraft['group'],
      quorum: s.quorum.trim() === 'all' ? 'all' : Number.parseInt(s.quorum, 10) || 0,
    }));
    const result = await bridge.call('policies.save', {
      ...(d.id ? { id: d.id } : {}),
      name: d.name,
      changeTypes: d.changeTypes,
      minRisk: (d.minRisk || null) as RiskLevel | null,
      tags: words(d.tags),
      steps,
    });
    if (result.ok) props.onDone();
    else {
      setErrors(result.fieldErrors);
      setMessage({ ok: false, text: `Not saved: ${result.message}.` });
    }
  };
  const setStep = (i: number, s: Step) => setD({ ...d, steps: d.steps.map((x, j) => (j === i ? s : x)) });
  return (
    <form
      {...formProps}
      className="change-form"
      aria-label={d.id ? 'Edit policy' : 'New policy'}
      data-testid="policy-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        Policy name
        <input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} />
        <FieldError errors={errors} field="name" />
      </label>
      <fieldset>
        <legend>Applies to change types (none: every type)</legend>
        {CHANGE_TYPES.map((t) => (
          <label key={t} className="inline">
            <input
              type="checkbox"
              checked={d.changeTypes.includes(t)}
              onChange={(e) =>
                setD({
                  ...d,
                  changeTypes: e.target.checked
                    ? [...d.changeTypes, t]
                    : d.changeTypes.filter((x) => x !== t),
                })
              }
            />{' '}
            {t}
          </label>
        ))}
        <FieldError errors={errors} field="changeTypes" />
      </fieldset>
      <label>
        From risk
        <select value={d.minRisk} onChange={(e) => setD({ ...d, minRisk: e.target.value })}>
          <option value="">Any risk</option>
          {RISK_LEVELS.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <FieldError errors={errors} field="minRisk" />
      </label>
      <label>
        Tags (none: any change)
        <input
          value={d.tags}
          placeholder="production, pci"
          onChange={(e) => setD({ ...d, tags: e.target.value })}
        />
        <FieldError errors={errors} field="tags" />
      </label>
      {d.steps.map((s, i) => (
        <StepFields
          key={i}
          step={s}
          index={i}
          people={props.people}
          errors={errors}
          onChange={(next) => setStep(i, next)}
          onRemove={
            d.steps.length > 1 ? () => setD({ ...d, steps: d.steps.filter((_, j) => j !== i) }) : undefined
          }
        />
      ))}
      <FieldError errors={errors} field="steps" />
      <div className="actions">
        <button
          type="button"
          onClick={() => setD({ ...d, steps: [...d.steps, newStep(d.steps.length + 1)] })}
        >
          Add step
        </button>
        <button type="submit">Save policy</button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="policy-form-result" />
    </form>
  );
}

/** How a step reads: who, and how many of them. */
const stepWords = (s: PolicyView['steps'][number]) =>
  `${s.name}: ${s.quorum === 'all' ? 'all' : s.quorum} of ${[
    peopleNames(s.approvers),
    s.group ? `every ${s.group}` : '',
  ]
    .filter(Boolean)
    .join(' + ')}${s.cab ? ' (CAB)' : ''}`;

/**
 * Approval policies: which changes need whose approval, step by step. Listed for everyone who
 * reads changes; created, edited and removed by approvers and admins (online).
 */
export function Policies() {
  const canEdit = useCan('approve');
  const [policies, setPolicies] = useState<PolicyView[]>([]);
  const [people, setPeople] = useState<Person[]>([]);
  const [editing, setEditing] = useState<Draft | undefined>();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const [list, members] = await Promise.all([
      bridge.call('policies.list', {}),
      bridge.call('people.list', {}),
    ]);
    setPeople(members);
    if (list.ok) setPolicies(list.policies);
    else setMessage({ ok: false, text: list.message });
  }, []);
  useEffect(() => void load(), [load]);
  const remove = async (p: PolicyView) => {
    const result = await bridge.call('policies.remove', { id: p.id });
    setMessage(result.ok ? { ok: true, text: `Removed ${p.name}.` } : { ok: false, text: result.message });
    await load();
  };
  return (
    <section aria-label="Approval policies" data-testid="page-policies">
      <h2>
        Approval policies{' '}
        {canEdit && !editing ? <button onClick={() => setEditing(blank())}>New policy</button> : null}
      </h2>
      <p className="hint">
        The first enabled policy that matches a change decides its steps; steps run in order.
      </p>
      {editing ? (
        <PolicyForm
          key={editing.id ?? 'new'}
          draft={editing}
          people={people}
          onDone={() => {
            setEditing(undefined);
            void load();
          }}
        />
      ) : null}
      <Outcome message={message} testId="policies-result" />
      {policies.length === 0 ? (
        <p className="muted">No approval policy yet: changes need no approval.</p>
      ) : null}
      <ul className="plain">
        {policies.map((p) => (
          <li key={p.id} data-testid="policy-row" data-name={p.name}>
            <strong>{p.name}</strong>{' '}
            <span className="muted">
              {p.changeTypes.join(', ') || 'every type'} · {p.minRisk ? `from ${p.minRisk} risk` : 'any risk'}
              {p.tags.length ? ` · tags ${p.tags.join(', ')}` : ''}
              {p.enabled ? '' : ' · disabled'}
            </span>
            <ol>
              {p.steps.map((s, i) => (
                <li key={i} data-testid="policy-step">
                  {stepWords(s)}
                </li>
              ))}
            </ol>
            {canEdit ? (
              <span className="actions">
                <button onClick={() => setEditing(fromPolicy(p))}>Edit</button>{' '}
                <button onClick={() => void remove(p)}>Remove</button>
              </span>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
