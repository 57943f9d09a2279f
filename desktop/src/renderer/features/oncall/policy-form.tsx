import { useState } from 'react';
import type { Person } from '../../../bridge/changes.ts';
import type { PolicySummary, ScheduleSummary, TargetDraft } from '../../../bridge/oncall.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, Outcome } from '../change-admin/form-bits.tsx';

type StepDraft = { kind: TargetDraft['kind']; ref: string; waitMinutes: number };

const toTarget = (s: StepDraft): TargetDraft[] =>
  s.ref === ''
    ? []
    : s.kind === 'schedule'
      ? [{ kind: 'schedule', scheduleId: s.ref }]
      : s.kind === 'members'
        ? [{ kind: 'members', userIds: [s.ref] }]
        : [{ kind: 'channel', channelId: s.ref }];

const fromPolicy = (p: PolicySummary): StepDraft[] =>
  p.steps.map((s) => {
    const t = s.draft[0];
    const ref = !t
      ? ''
      : t.kind === 'schedule'
        ? t.scheduleId
        : t.kind === 'members'
          ? (t.userIds[0] ?? '')
          : t.channelId;
    return { kind: t?.kind ?? 'schedule', ref, waitMinutes: s.waitMinutes };
  });

/**
 * A policy's ordered steps: each notifies the on-call of a schedule, a member or a channel, then
 * waits; the whole runs again `repeatCount` more times until someone acknowledges. One target per
 * step here (the API takes several).
 */
export function PolicyForm(props: {
  policy?: PolicySummary;
  schedules: ScheduleSummary[];
  people: Person[];
  channels: Array<{ id: string; name: string }>;
  onDone: () => void;
}) {
  const [name, setName] = useState(props.policy?.name ?? '');
  const [repeatCount, setRepeatCount] = useState(props.policy?.repeatCount ?? 0);
  const [steps, setSteps] = useState<StepDraft[]>(
    props.policy
      ? fromPolicy(props.policy)
      : [{ kind: 'schedule', ref: props.schedules[0]?.id ?? '', waitMinutes: 5 }],
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const set = (i: number, patch: Partial<StepDraft>) =>
    setSteps(steps.map((s, j) => (i === j ? { ...s, ...patch } : s)));
  const choices = (kind: StepDraft['kind']) =>
    kind === 'schedule' ? props.schedules : kind === 'members' ? props.people : props.channels;
  return (
    <form
      className="change-form"
      aria-label={props.policy ? `Edit policy ${props.policy.name}` : 'New escalation policy'}
      onSubmit={(e) => {
        e.preventDefault();
        void bridge
          .call('oncall.savePolicy', {
            ...(props.policy ? { id: props.policy.id } : {}),
            name,
            repeatCount,
            steps: steps.map((s) => ({ targets: toTarget(s), waitMinutes: s.waitMinutes })),
          })
          .then((r) => {
            if (r.ok) {
              setErrors({});
              setMessage({ ok: true, text: 'Policy saved.' });
              props.onDone();
            } else {
              setErrors(r.fieldErrors);
              setMessage({ ok: false, text: `Not saved: ${r.message}.` });
            }
          });
      }}
    >
      <label>
        Policy name
        <input value={name} onChange={(e) => setName(e.target.value)} />
        <FieldError errors={errors} field="name" />
      </label>
      <ol className="steps" aria-label="Steps">
        {steps.map((s, i) => (
          <li key={i}>
            <label>
              Step {i + 1} notifies
              <select
                value={s.kind}
                onChange={(e) => set(i, { kind: e.target.value as StepDraft['kind'], ref: '' })}
              >
                <option value="schedule">the on-call of a schedule</option>
                <option value="members">a member</option>
                <option value="channel">a channel</option>
              </select>
            </label>
            <label>
              Step {i + 1} target
              <select value={s.ref} onChange={(e) => set(i, { ref: e.target.value })}>
                <option value="">Choose…</option>
                {choices(s.kind).map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
              <FieldError errors={errors} field={`steps.${i}.targets`} />
            </label>
            <label>
              Step {i + 1} waits (minutes)
              <input
                type="number"
                min={1}
                value={s.waitMinutes}
                onChange={(e) => set(i, { waitMinutes: Number(e.target.value) })}
              />
              <FieldError errors={errors} field={`steps.${i}.waitMinutes`} />
            </label>
            {steps.length > 1 ? (
              <button type="button" onClick={() => setSteps(steps.filter((_, j) => j !== i))}>
                Remove step {i + 1}
              </button>
            ) : null}
          </li>
        ))}
      </ol>
      <FieldError errors={errors} field="steps" />
      <button
        type="button"
        onClick={() => setSteps([...steps, { kind: 'members', ref: '', waitMinutes: 10 }])}
      >
        Add step
      </button>
      <label>
        Repeat the policy (times)
        <input
          type="number"
          min={0}
          max={10}
          value={repeatCount}
          onChange={(e) => setRepeatCount(Number(e.target.value))}
        />
        <FieldError errors={errors} field="repeatCount" />
      </label>
      <div className="actions">
        <button type="submit">Save policy</button>
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="policy-form-result" />
    </form>
  );
}
