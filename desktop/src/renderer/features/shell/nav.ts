import type { Permission } from '@vigilo/shared/roles';
import type { Page } from '../../store.ts';

/**
 * The app's pages and the permission each needs: navigation and the command palette hide what
 * a role cannot use (the server refuses it anyway).
 */
export const NAV: Array<{ page: Page; label: string; needs: Permission }> = [
  { page: 'inbox', label: 'Inbox', needs: 'read' },
  { page: 'approvals', label: 'Approvals', needs: 'approve' },
  { page: 'certificates', label: 'Certificates', needs: 'read' },
  { page: 'incidents', label: 'Incidents', needs: 'read' },
  { page: 'changes', label: 'Changes', needs: 'read' },
  { page: 'oncall', label: 'On-call', needs: 'read' },
  { page: 'reliability', label: 'SLOs & status', needs: 'read' },
  { page: 'audit', label: 'Audit', needs: 'audit' },
  // Compliance: auditors read these; writing on them needs 'approve' (the server checks too).
  { page: 'risks', label: 'Risks', needs: 'audit' },
  { page: 'vendors', label: 'Vendors', needs: 'audit' },
  { page: 'controls', label: 'Controls', needs: 'audit' },
  { page: 'settings', label: 'Settings', needs: 'administer' },
];
