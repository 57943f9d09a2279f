import { KEY_REFUSED_MESSAGE, useBridgeLink } from './bridge/link.ts';
import { bridge } from './bridge/transport.ts';
import { APPROVAL_TABLES } from './features/approvals/slice.ts';
import { HOST_TABLES } from './features/certificates/slice.ts';
import { CHANGE_TABLES } from './features/changes/slice.ts';
import { ALERT_DETAIL_TABLES } from './features/inbox/slice.ts';
import { INCIDENT_TABLES } from './features/incidents/slice.ts';
import { sessionMoved, signInOnFirstLoad } from './features/session/slice.ts';
import { openTarget } from './features/shell/deep-link.ts';
import { useStore } from './store.ts';

// Apart from the store: opening a deep link needs the store, and the store must not need the
// deep links back (a runtime import cycle: whichever loads first sees the other half-made).

/** Keeps the store in step with the core: initial reads, then re-reads on change events. */
export function connectStore(): () => void {
  const { loadInbox, searchAudit, setSync } = useStore.getState();
  void bridge.call('state', {}).then(setSync);
  void loadInbox();
  void searchAudit({});
  void useStore.getState().loadHosts();
  void bridge.call('session', {}).then((session) => {
    useStore.getState().setSession(session);
    signInOnFirstLoad(session, useStore.getState().signIn);
  });
  // The desktop came back (restarted with the same key): what is shown was read from the run
  // before, and the errors of the calls made while it was away are stale. Read it all again.
  const unlink = useBridgeLink.subscribe((link, before) => {
    if (link.reconnects === before.reconnects) return;
    useStore.getState().setError(undefined);
    void bridge.call('session', {}).then((session) => useStore.getState().setSession(session));
    void loadInbox();
    void searchAudit(useStore.getState().auditQuery);
    void useStore.getState().loadHosts();
    void bridge.call('state', {}).then(setSync);
  });
  const unsubscribe = bridge.subscribe((e) => {
    if (e.type === 'session') {
      const moved = sessionMoved(useStore.getState().session, e.session);
      useStore.getState().setSession(e.session);
      // Another workspace (or nobody) is open now: everything shown belongs to the old one.
      if (moved) {
        useStore.setState({
          inbox: [],
          selected: 0,
          audit: [],
          chain: undefined,
          alertDetail: undefined,
          approvals: [],
          approvalDetail: undefined,
          changes: [],
          changeDetail: undefined,
          incidents: [],
          incidentDetail: undefined,
        });
        void loadInbox();
        void searchAudit({});
        void useStore.getState().loadHosts();
        void bridge.call('state', {}).then(setSync);
      }
    }
    if (e.type === 'state') setSync(e.state);
    if (e.type === 'changed') {
      const touches = (tables: string[]) => e.tables.some((t) => tables.includes(t));
      if (touches(['alerts', 'comments', ...APPROVAL_TABLES])) void loadInbox();
      const s = useStore.getState();
      // Each page re-reads what it shows; the lists of pages not open are read when opened.
      if (s.page === 'approvals' && touches(APPROVAL_TABLES)) void s.loadApprovals();
      if (s.page === 'changes' && touches(CHANGE_TABLES)) void s.loadChanges();
      if (s.page === 'incidents' && touches(INCIDENT_TABLES)) void s.loadIncidents();
      if (e.tables.some((t) => ALERT_DETAIL_TABLES.includes(t))) void useStore.getState().reloadAlert();
      if (e.tables.includes('audit_events')) void searchAudit(useStore.getState().auditQuery);
      if (e.tables.some((t) => HOST_TABLES.includes(t))) void useStore.getState().loadHosts();
      void bridge.call('state', {}).then(setSync);
    }
    if (e.type === 'open') void openTarget(e.target);
    if (e.type === 'key_refused') {
      useStore.getState().setError(KEY_REFUSED_MESSAGE);
    }
    // In Electron, main raises the native notification; in a browser tab the page does.
    const inBrowser = !window.vigiloBridge;
    if (
      e.type === 'notify' &&
      inBrowser &&
      'Notification' in window &&
      Notification.permission === 'granted'
    ) {
      const n = new Notification(e.title, { body: e.body });
      n.onclick = () => {
        window.focus();
        void openTarget(e.target);
      };
    }
  });
  return () => {
    unlink();
    unsubscribe();
  };
}
