import { RISK_QUESTIONS } from '@vigilo/shared/change-risk';
import { CHANGE_TYPES, type ChangeType } from '@vigilo/shared/change-states';
import { useEffect, useState } from 'react';
import type { TemplateView } from '../../../bridge/change-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { useStore } from '../../store.ts';

type Text = 'title' | 'description' | 'implementationPlan' | 'rollbackPlan' | 'testPlan';
const TEXTS: Array<[Text, string, boolean]> = [
  ['title', 'Title', false],
  ['description', 'Description', true],
  ['implementationPlan', 'Implementation plan', true],
  ['rollbackPlan', 'Rollback plan', true],
  ['testPlan', 'Test plan', true],
];

/** A datetime-local value (the person's own clock) as an instant, or '' for none. */
const instant = (local: string) => (local ? new Date(local).toISOString() : '');

/** The server's words for one field, under it. */
function FieldError({ errors, field }: { errors: Record<string, string>; field: string }) {
  const words = Object.entries(errors).find(([k]) => k === field || k.startsWith(`${field}.`))?.[1];
  return words ? (
    <span className="bad field-error" data-testid={`field-error-${field}`}>
      {words}
    </span>
  ) : null;
}

/**
 * Raises a change: its plans, window, hosts and the risk questionnaire, then creates it (and
 * submits it for approval when asked). Online only; the server checks every field and its
 * refusal is shown under each field it names.
 */
export function ChangeForm() {
  const hosts = useStore((s) => s.hosts);
  const [texts, setTexts] = useState<Record<Text, string>>({
    title: '',
    description: '',
    implementationPlan: '',
    rollbackPlan: '',
    testPlan: '',
  });
  const [type, setType] = useState<ChangeType>('normal');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [hostIds, setHostIds] = useState<string[]>([]);
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const [submit, setSubmit] = useState(true);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | undefined>();
  // Approved standard-change templates: a change raised from one is approved at once.
  const [templates, setTemplates] = useState<TemplateView[]>([]);
  const [templateId, setTemplateId] = useState('');
  useEffect(() => {
    void bridge
      .call('templates.list', {})
      .then((r) => setTemplates(r.ok ? r.templates.filter((t) => t.state === 'approved') : []));
  }, []);

  const send = async () => {
    setBusy(true);
    try {
      const result = await useStore.getState().createChange({
        ...texts,
        type,
        plannedStart: instant(start),
        plannedEnd: instant(end),
        affectedHostIds: hostIds,
        riskAnswers: answers,
        submit,
        ...(templateId ? { templateId } : {}),
      });
      if (result.ok) {
        setErrors({});
        setMessage(undefined);
      } else {
        setErrors(result.fieldErrors);
        setMessage(`Not created: ${result.message}.`);
      }
    } catch (err) {
      setMessage(`Not created: ${(err as Error).message}.`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="change-form"
      aria-label="New change"
      data-testid="change-form"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {templates.length ? (
        <label>
          From a standard-change template
          <select value={templateId} onChange={(e) => setTemplateId(e.target.value)}>
            <option value="">None: a change that needs approval</option>
            {templates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          <FieldError errors={errors} field="templateId" />
        </label>
      ) : null}
      {TEXTS.map(([field, label, long]) => (
        <label key={field}>
          {label}
          {long ? (
            <textarea
              rows={2}
              value={texts[field]}
              onChange={(e) => setTexts({ ...texts, [field]: e.target.value })}
            />
          ) : (
            <input value={texts[field]} onChange={(e) => setTexts({ ...texts, [field]: e.target.value })} />
          )}
          <FieldError errors={errors} field={field} />
        </label>
      ))}
      <label>
        Type
        <select value={type} onChange={(e) => setType(e.target.value as ChangeType)}>
          {CHANGE_TYPES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <FieldError errors={errors} field="type" />
      </label>
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
      <label>
        Hosts
        <select
          multiple
          value={hostIds}
          onChange={(e) => setHostIds([...e.target.selectedOptions].map((o) => o.value))}
        >
          {hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.hostname}:{h.port}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="affectedHostIds" />
      </label>
      <fieldset>
        <legend>Risk</legend>
        {RISK_QUESTIONS.map((q) => (
          <label key={q.id}>
            {q.text}
            <select
              value={answers[q.id] ?? ''}
              onChange={(e) => {
                const next = { ...answers, [q.id]: e.target.value };
                if (!e.target.value) delete next[q.id];
                setAnswers(next);
              }}
            >
              <option value="">Not answered</option>
              {q.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        ))}
        <FieldError errors={errors} field="riskAnswers" />
      </fieldset>
      <label className="inline">
        <input type="checkbox" checked={submit} onChange={(e) => setSubmit(e.target.checked)} /> Submit for
        approval
      </label>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Create change
        </button>
        <button type="button" onClick={() => useStore.getState().setChangeFormOpen(false)}>
          Cancel
        </button>
      </div>
      {message ? (
        <p role="status" className="bad" data-testid="change-form-result">
          {message}
        </p>
      ) : null}
    </form>
  );
}
