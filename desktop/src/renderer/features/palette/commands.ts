import type { Permission } from '@vigilo/shared/roles';
import { bridge } from '../../bridge/transport.ts';
import type { Page, Store } from '../../store.ts';
import { NAV } from '../shell/nav.ts';
import { nextTheme, setTheme, THEME_LABELS, type Theme } from '../shell/theme.ts';
import { roleMay } from '../session/can.ts';

/** One thing the palette can do: a label to match, an optional shortcut to show, and the doing. */
export type Command = { id: string; label: string; hint?: string; run: () => void | Promise<unknown> };

/**
 * The palette's commands for the current state: pages the role may open, actions on the
 * selected inbox item the role may take, workspaces to switch to, sync, theme, sign-out. Built
 * from the store each time the palette opens, so it never offers what the user cannot do.
 */
export function commandsFor(s: Store, theme: Theme): Command[] {
  const may = (p: Permission) => roleMay(s.sync?.workspace?.role, p);
  const go = (page: Page) => () => s.go(page);
  const commands: Command[] = NAV.filter((n) => may(n.needs)).map((n) => ({
    id: `go.${n.page}`,
    label: `Go to ${n.label}`,
    run: go(n.page),
  }));
  const selected = s.page === 'inbox' ? s.inbox[s.selected] : undefined;
  const item = selected?.kind === 'alert' ? selected : undefined;
  if (item && may('operate')) {
    const alertId = item.id;
    if (!item.acknowledged) {
      commands.push({
        id: 'alert.acknowledge',
        label: `Acknowledge “${item.title}”`,
        hint: 'a',
        run: () => s.act({ kind: 'alert.acknowledge', args: { alertId } }),
      });
    }
    for (const [duration, words] of [
      ['1h', 'an hour'],
      ['1d', 'a day'],
      ['1w', 'a week'],
    ] as const) {
      commands.push({
        id: `alert.snooze.${duration}`,
        label: `Snooze “${item.title}” for ${words}`,
        hint: 's',
        run: () => s.act({ kind: 'alert.snooze', args: { alertId, duration } }),
      });
    }
    commands.push({
      id: 'alert.resolve',
      label: `Resolve “${item.title}”`,
      hint: 'r',
      run: () => s.act({ kind: 'alert.resolve', args: { alertId } }),
    });
  }
  const approval = s.page === 'approvals' ? s.approvals[s.approvalSelected] : undefined;
  if (approval && !approval.myDecision && may('approve')) {
    commands.push(
      {
        id: 'approval.approve',
        label: `Approve “${approval.title}”`,
        hint: 'y',
        run: () => s.setDecisionDraft({ decision: 'approve' }),
      },
      {
        id: 'approval.reject',
        label: `Reject “${approval.title}”`,
        hint: 'n',
        run: () => s.setDecisionDraft({ decision: 'reject' }),
      },
    );
  }
  if (may('operate'))
    commands.push({
      id: 'change.new',
      label: 'New change',
      run: () => {
        s.go('changes');
        s.setChangeFormOpen(true);
      },
    });
  commands.push(...adminActions(s, may));
  for (const w of s.session?.canSwitch ? s.session.workspaces : []) {
    if (w.slug === s.session?.current) continue;
    commands.push({
      id: `workspace.${w.slug}`,
      label: `Switch to workspace ${w.name}`,
      run: () => s.switchWorkspace(w.slug),
    });
  }
  commands.push({ id: 'sync.now', label: 'Sync now', run: () => bridge.call('sync.now', {}) });
  // In a browser tab the page raises notifications itself, once the user allows them.
  if (!window.vigiloBridge && 'Notification' in window && Notification.permission === 'default') {
    commands.push({
      id: 'notifications',
      label: 'Enable desktop notifications',
      run: () => Notification.requestPermission(),
    });
  }
  const next = nextTheme(theme);
  commands.push({ id: 'theme', label: `Theme: ${THEME_LABELS[next]}`, run: () => setTheme(next) });
  if (s.session?.canSwitch && s.session.signedIn) {
    commands.push({ id: 'session.signOut', label: 'Sign out', run: () => s.signOut() });
  }
  return commands;
}

/**
 * The admin jobs the palette opens, each only for a role that may do it: the page's create form
 * opens through the store's intent ('new', or 'add-host' for the certificates page's form).
 */
function adminActions(s: Store, may: (p: Permission) => boolean): Command[] {
  const actions: Array<[string, string, Permission, () => void]> = [
    ['host.add', 'Add host', 'operate', () => s.goWithIntent('certificates', 'add-host')],
    ['rule.new', 'New alert rule', 'administer', () => s.openSettings('rules', 'new')],
    ['channel.new', 'New channel', 'administer', () => s.openSettings('channels', 'new')],
    ['member.invite', 'Invite member', 'administer', () => s.openSettings('members', 'new')],
    ['agent.token', 'Create enrollment token', 'administer', () => s.openSettings('agents', 'new')],
    ['apiToken.new', 'New API token', 'administer', () => s.openSettings('tokens', 'new')],
    ['maintenance.new', 'Schedule maintenance', 'administer', () => s.openSettings('maintenance', 'new')],
  ];
  return actions.filter(([, , needs]) => may(needs)).map(([id, label, , run]) => ({ id, label, run }));
}

/** Commands whose label holds every word typed, in any order (case-insensitive). */
export function matchCommands(commands: Command[], query: string): Command[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return commands.filter((c) => words.every((w) => c.label.toLowerCase().includes(w)));
}
