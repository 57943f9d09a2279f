import { useStore } from '../../store.ts';

/** The user's workspaces; choosing one closes the open replica and opens that one's. */
export function WorkspaceSwitcher() {
  const session = useStore((s) => s.session);
  const switchWorkspace = useStore((s) => s.switchWorkspace);
  if (!session?.canSwitch || session.workspaces.length === 0) return null;
  return (
    <select
      data-testid="workspace-switcher"
      aria-label="Switch workspace"
      value={session.current ?? ''}
      onChange={(e) => void switchWorkspace(e.target.value)}
    >
      {session.current ? null : <option value="">Choose a workspace…</option>}
      {session.workspaces.map((w) => (
        <option key={w.id} value={w.slug}>
          {w.name}
        </option>
      ))}
    </select>
  );
}
