import { useEffect } from 'react';
import { Approvals } from './features/approvals/approvals.tsx';
import { AuditReview } from './features/audit/audit.tsx';
import { Certificates } from './features/certificates/certificates.tsx';
import { Changes } from './features/changes/changes.tsx';
import { Controls } from './features/compliance/controls.tsx';
import { Risks } from './features/compliance/risks.tsx';
import { Vendors } from './features/compliance/vendors.tsx';
import { Inbox } from './features/inbox/inbox.tsx';
import { Incidents } from './features/incidents/incidents.tsx';
import { CommandPalette } from './features/palette/palette.tsx';
import { SignIn } from './features/session/sign-in.tsx';
import { UserMenu } from './features/session/user-menu.tsx';
import { WorkspaceSwitcher } from './features/session/workspace-switcher.tsx';
import { Settings } from './features/settings/settings.tsx';
import { OnCall } from './features/oncall/oncall.tsx';
import { Reliability } from './features/reliability/reliability.tsx';
import { NAV } from './features/shell/nav.ts';
import { applyTheme } from './features/shell/theme.ts';
import { ThemeToggle } from './features/shell/theme-toggle.tsx';
import { ConflictList, SyncIndicator } from './features/sync/sync-indicator.tsx';
import { connectStore } from './connect-store.ts';
import { useStore } from './store.ts';
import { roleMay } from './features/session/can.ts';

export function App() {
  const page = useStore((s) => s.page);
  const go = useStore((s) => s.go);
  const sync = useStore((s) => s.sync);
  const error = useStore((s) => s.error);
  const session = useStore((s) => s.session);
  useEffect(() => connectStore(), []);
  useEffect(applyTheme, []);
  const nav = NAV.filter((n) => roleMay(sync?.workspace?.role, n.needs));

  if (session && !session.signedIn) return <SignIn />;
  return (
    <div className="shell">
      <header>
        <span className="brand">Vigilo</span>
        {sync?.dev ? <span className="dev">DEV</span> : null}
        <span className="ws" data-testid="workspace-title">
          {sync?.workspace?.name ?? '…'}
        </span>
        <WorkspaceSwitcher />
        <SyncIndicator />
        <UserMenu />
        <ThemeToggle />
        <span className="muted" title="Command palette">
          Ctrl K
        </span>
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
        {page === 'certificates' ? <Certificates /> : null}
        {page === 'audit' ? <AuditReview /> : null}
        {page === 'settings' ? <Settings /> : null}
        {page === 'approvals' ? <Approvals /> : null}
        {page === 'changes' ? <Changes /> : null}
        {page === 'incidents' ? <Incidents /> : null}
        {page === 'risks' ? <Risks /> : null}
        {page === 'vendors' ? <Vendors /> : null}
        {page === 'controls' ? <Controls /> : null}
        {page === 'oncall' ? <OnCall /> : null}
        {page === 'reliability' ? <Reliability /> : null}
      </main>
      <CommandPalette />
    </div>
  );
}
