import { OUTBOX } from '@vigilo/shared/outbox';
import { useState } from 'react';
import { issueInWords } from '../../../bridge/error-words.ts';
import { useStore } from '../../store.ts';
import { useCan } from '../session/can.ts';

/** The rename's own rules (shared with the server and the outbox): what the field may hold. */
const renameArgs = OUTBOX['workspace.rename'].args;

/**
 * Settings › Workspace: the rename goes through the outbox like every action (works offline).
 * A name the rename would refuse is said under the field at once, never dropped silently; what
 * was said goes as soon as the field changes or the form is sent again.
 */
export function WorkspaceSettings() {
  const ws = useStore((s) => s.sync?.workspace);
  const act = useStore((s) => s.act);
  const canRename = useCan('administer');
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | undefined>();
  const [sent, setSent] = useState<string | undefined>();
  return (
    <section aria-label="Settings">
      <h2>Workspace</h2>
      <p data-testid="workspace-name">{ws?.name}</p>
      {canRename ? (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            setSent(undefined);
            const parsed = renameArgs.safeParse({ name });
            if (!parsed.success) {
              const issue = parsed.error.issues[0];
              setProblem(issue ? issueInWords(issue.path, issue.message) : 'the name was refused');
              return;
            }
            setProblem(undefined);
            void act({ kind: 'workspace.rename', args: { name: parsed.data.name } });
            setSent(`Renamed to “${parsed.data.name}”.`);
            setName('');
          }}
        >
          <label htmlFor="workspace-new-name">New name</label>
          <input
            id="workspace-new-name"
            value={name}
            aria-invalid={problem !== undefined}
            aria-describedby={problem ? 'workspace-name-problem' : undefined}
            onChange={(e) => {
              setName(e.target.value);
              setProblem(undefined);
              setSent(undefined);
            }}
          />
          <button type="submit">Rename</button>
          {problem ? (
            <span id="workspace-name-problem" className="bad field-error" data-testid="field-error-name">
              {problem}
            </span>
          ) : null}
          {sent ? (
            <p role="status" className="ok" data-testid="workspace-rename-result">
              {sent}
            </p>
          ) : null}
        </form>
      ) : (
        <p className="muted" data-testid="workspace-read-only">
          {ws ? 'Renaming the workspace needs an admin or owner.' : 'No workspace is open.'}
        </p>
      )}
    </section>
  );
}
