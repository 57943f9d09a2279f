import { useEffect } from 'react';
import { roleGrants, workspaceRoleSchema, type Permission } from '@vigilo/shared/roles';
import { AuditReview } from './features/audit/audit.tsx';
import { Inbox } from './features/inbox/inbox.tsx';
import { Settings } from './features/settings/settings.tsx';
import { ConflictList, SyncIndicator } from './features/sync/sync-indicator.tsx';
import { connectStore, type Page, useStore } from './store.ts';

/** Navigation; pages a role cannot use are hidden (the server refuses them anyway). */
const NAV: Array<{ page: Page; label: string; needs: Permission; ready: boolean }> = [
  { page: 'inbox', label: 'Inbox', needs: 'read', ready: true },
  { page: 'approvals', label: 'Approvals', needs: 'approve', ready: false },
  { page: 'certificates', label: 'Certificates', needs: 'read', ready: false },
  { page: 'incidents', label: 'Incidents', needs: 'read', ready: false },
  { page: 'changes', label: 'Changes', needs: 'read', ready: false },
  { page: 'audit', label: 'Audit', needs: 'audit', ready: true },
  { page: 'settings', label: 'Settings', needs: 'administer', ready: true },
];

export function App() {
  const page = useStore((s) => s.page);
  const go = useStore((s) => s.go);
  const sync = useStore((s) => s.sync);
  const error = useStore((s) => s.error);
  useEffect(() => connectStore(), []);
  const role = workspaceRoleSchema.safeParse(sync?.workspace?.role);
  const nav = NAV.filter((n) => role.success && roleGrants(role.data, n.needs));

  return (
    <div className="shell">
      <header>
        <span className="brand">Vigilo</span>
        {sync?.dev ? <span className="dev">DEV</span> : null}
        <span className="ws" data-testid="workspace-title">
          {sync?.workspace?.name ?? '…'}
        </span>
        <SyncIndicator />
      </header>
      <nav aria-label="Main">
        {nav.map((n) => (
          <button key={n.page} aria-current={page === n.page} onClick={() => go(n.page)}>
            {n.label}
          </button>
        ))}
      </nav>
      <main>
        {error ? (
          <p className="bad" role="alert">
            {error}
          </p>
        ) : null}
        <ConflictList />
        {page === 'inbox' ? <Inbox /> : null}
        {page === 'audit' ? <AuditReview /> : null}
        {page === 'settings' ? <Settings /> : null}
        {NAV.some((n) => n.page === page && !n.ready) ? (
          <p className="muted">This part of Vigilo arrives with its server support.</p>
        ) : null}
      </main>
    </div>
  );
}
