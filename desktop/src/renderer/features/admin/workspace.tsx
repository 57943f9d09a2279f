import { useState } from 'react';
import { useStore } from '../../store.ts';

/** Settings › Workspace: the rename goes through the outbox like every action (works offline). */
export function WorkspaceSettings() {
  const ws = useStore((s) => s.sync?.workspace);
  const act = useStore((s) => s.act);
  const [name, setName] = useState('');
  return (
    <section aria-label="Settings">
      <h2>Workspace</h2>
      <p data-testid="workspace-name">{ws?.name}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) void act({ kind: 'workspace.rename', args: { name } });
          setName('');
        }}
      >
        <input aria-label="New name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Rename</button>
      </form>
    </section>
  );
}
