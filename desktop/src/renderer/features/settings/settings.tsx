import { WorkspaceSettings } from '../admin/workspace.tsx';
import { AlertRulesAdmin } from '../admin/alert-rules.tsx';
import { ChannelsAdmin } from '../admin/channels.tsx';
import { MembersAdmin } from '../admin/members.tsx';
import { AgentsAdmin } from '../admin/agents.tsx';
import { ApiTokensAdmin } from '../admin/api-tokens.tsx';
import { MaintenanceAdmin } from '../admin/maintenance.tsx';
import { type SettingsTab, useStore } from '../../store.ts';

/** Settings' tabs, in the order an admin sets a workspace up. */
export const SETTINGS_TABS: Array<[SettingsTab, string]> = [
  ['workspace', 'Workspace'],
  ['rules', 'Alert rules'],
  ['channels', 'Channels'],
  ['members', 'Members'],
  ['agents', 'Agents'],
  ['tokens', 'API tokens'],
  ['maintenance', 'Maintenance'],
];

/**
 * Settings: the workspace and every admin job, one tab each. The tab is in the store so the
 * command palette can open one ("new rule", "invite member", …).
 */
export function Settings() {
  const tab = useStore((s) => s.settingsTab);
  const openSettings = useStore((s) => s.openSettings);
  return (
    <section aria-label="Settings">
      <h1>Settings</h1>
      <div className="tabs" role="tablist" aria-label="Settings">
        {SETTINGS_TABS.map(([key, label]) => (
          <button key={key} role="tab" aria-selected={tab === key} onClick={() => openSettings(key)}>
            {label}
          </button>
        ))}
      </div>
      {tab === 'workspace' ? <WorkspaceSettings /> : null}
      {tab === 'rules' ? <AlertRulesAdmin /> : null}
      {tab === 'channels' ? <ChannelsAdmin /> : null}
      {tab === 'members' ? <MembersAdmin /> : null}
      {tab === 'agents' ? <AgentsAdmin /> : null}
      {tab === 'tokens' ? <ApiTokensAdmin /> : null}
      {tab === 'maintenance' ? <MaintenanceAdmin /> : null}
    </section>
  );
}
