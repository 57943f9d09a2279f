import { fieldEditable } from '@vigilo/shared/change-states';
import { useState } from 'react';
import type { ChangeEdit } from '../../../bridge/change-admin.ts';
import type { ChangeDetail } from '../../../bridge/changes.ts';
import { bridge } from '../../bridge/transport.ts';
import { useStore } from '../../store.ts';
import { FieldError, instant, Outcome, useFormWords } from './form-bits.tsx';

type Text = 'title' | 'description' | 'implementationPlan' | 'rollbackPlan' | 'testPlan';
const TEXTS: Array<[Text, string]> = [
  ['title', 'Title'],
  ['description', 'Description'],
  ['implementationPlan', 'Implementation plan'],
  ['rollbackPlan', 'Rollback plan'],
  ['testPlan', 'Test plan'],
];

/** An instant as a datetime-local value in the person's own clock. */
const local = (iso: string | undefined) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/**
 * Edits a change: only the fields its state leaves editable (shared/src/change-states.ts: all of
 * them before approval, where an edit restarts the approvals; the plan and assignee after). The
 * planned window is what scheduling needs. Online; the server's words under each field.
 */
export function ChangeEditor({ detail }: { detail: ChangeDetail }) {
  const [open, setOpen] = useState(false);
  const [texts, setTexts] = useState<Record<Text, string>>(() => ({
    title: detail.title,
    description: detail.description,
    implementationPlan: detail.implementationPlan,
    rollbackPlan: detail.rollbackPlan,
    testPlan: detail.testPlan,
  }));
  const [start, setStart] = useState(local(detail.plannedStart));
  const [end, setEnd] = useState(local(detail.plannedEnd));
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const editable = (field: string) => fieldEditable(detail.state, field);
  if (!editable('plannedStart')) return null;
  if (!open)
    return (
      <button data-testid="change-edit-open" onClick={() => setOpen(true)}>
        Edit{editable('title') ? '' : ' the schedule'}
      </button>
    );
  const save = async () => {
    const edit: ChangeEdit = { changeId: detail.id, plannedStart: instant(start), plannedEnd: instant(end) };
    for (const [field] of TEXTS)
      if (editable(field) && texts[field] !== detail[field]) edit[field] = texts[field];
    const r = await bridge.call('changes.edit', edit);
    if (r.ok) {
      setOpen(false);
      setErrors({});
      useStore.setState({ changeMessage: { ok: true, text: 'Saved.' } });
      await useStore.getState().loadChanges();
    } else {
      setErrors(r.fieldErrors);
      setMessage({ ok: false, text: `Not saved: ${r.message}.` });
    }
  };
  return (
    <form
      {...formProps}
      className="change-form"
      aria-label="Edit change"
      data-testid="change-edit"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {TEXTS.filter(([f]) => editable(f)).map(([field, label]) => (
        <label key={field}>
          {label}
          <input value={texts[field]} onChange={(e) => setTexts({ ...texts, [field]: e.target.value })} />
          <FieldError errors={errors} field={field} />
        </label>
      ))}
      <label>
        Planned start
        <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} />
        <FieldError errors={errors} field="plannedStart" />
      </label>
      <label>
        Planned end
        <input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} />
        <FieldError errors={errors} field="plannedEnd" />
      </label>
      {detail.state === 'submitted' ? (
        <p className="hint">Saving a submitted change asks its approvers again.</p>
      ) : null}
      <div className="actions">
        <button type="submit">Save</button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="change-edit-result" />
    </form>
  );
}
