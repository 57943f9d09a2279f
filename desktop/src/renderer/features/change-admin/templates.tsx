import { useCallback, useEffect, useState } from 'react';
import type { TemplateView } from '../../../bridge/change-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, Outcome, useFormWords, words } from './form-bits.tsx';
import { useCan } from '../session/can.ts';

/** Proposes a template: what every change raised from it starts with. */
function TemplateForm({ onDone }: { onDone: () => void }) {
  const [t, setT] = useState({
    name: '',
    description: '',
    implementationPlan: '',
    rollbackPlan: '',
    tags: '',
  });
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const text = (field: keyof typeof t, label: string) => (
    <label>
      {label}
      <input value={t[field]} onChange={(e) => setT({ ...t, [field]: e.target.value })} />
      <FieldError errors={errors} field={field === 'tags' ? 'affectedTags' : field} />
    </label>
  );
  return (
    <form
      {...formProps}
      className="change-form"
      aria-label="New template"
      onSubmit={(e) => {
        e.preventDefault();
        void bridge
          .call('templates.create', {
            name: t.name,
            description: t.description,
            implementationPlan: t.implementationPlan,
            rollbackPlan: t.rollbackPlan,
            affectedTags: words(t.tags),
          })
          .then((r) => {
            if (r.ok) onDone();
            else {
              setErrors(r.fieldErrors);
              setMessage({ ok: false, text: `Not proposed: ${r.message}.` });
            }
          });
      }}
    >
      {text('name', 'Template name')}
      {text('description', 'Description')}
      {text('implementationPlan', 'Implementation plan')}
      {text('rollbackPlan', 'Rollback plan')}
      {text('tags', 'Tags')}
      <div className="actions">
        <button type="submit">Propose template</button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="template-form-result" />
    </form>
  );
}

/**
 * The standard-change catalogue: templates an approver proposes and another approves once; a
 * change raised from an approved one (the new-change form) is approved at once.
 */
export function Templates() {
  const canEdit = useCan('approve');
  const [templates, setTemplates] = useState<TemplateView[]>([]);
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const list = await bridge.call('templates.list', {});
    if (list.ok) setTemplates(list.templates);
    else setMessage({ ok: false, text: list.message });
  }, []);
  useEffect(() => void load(), [load]);
  return (
    <section aria-label="Standard-change templates" data-testid="page-templates">
      <h2>
        Standard-change templates{' '}
        {canEdit && !adding ? <button onClick={() => setAdding(true)}>New template</button> : null}
      </h2>
      {adding ? (
        <TemplateForm
          onDone={() => {
            setAdding(false);
            void load();
          }}
        />
      ) : null}
      <Outcome message={message} testId="templates-result" />
      {templates.length === 0 ? <p className="muted">No templates yet.</p> : null}
      <ul className="plain">
        {templates.map((t) => (
          <li key={t.id} data-testid="template-row" data-state={t.state}>
            <strong>{t.name}</strong>{' '}
            <span className="muted">
              {t.state}
              {t.proposedBy ? ` · proposed by ${t.proposedBy.name}` : ''}
              {t.approvedBy ? ` · approved by ${t.approvedBy.name}` : ''}
              {t.renewal ? ' · certificate renewals' : ''}
            </span>
            {canEdit && t.state !== 'approved' ? (
              <button
                onClick={() =>
                  void bridge.call('templates.approve', { id: t.id }).then((r) => {
                    setMessage(
                      r.ok ? { ok: true, text: `Approved ${t.name}.` } : { ok: false, text: r.message },
                    );
                    return load();
                  })
                }
              >
                Approve
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
