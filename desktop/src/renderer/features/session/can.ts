import { type Permission, roleGrants, type WorkspaceRole } from '@vigilo/shared/roles';
import { useStore } from '../../store.ts';

/**
 * Whether a role grants a permission, for showing only what the person may do (the server checks
 * it anyway). The sync state's role is already a WorkspaceRole, checked by the core at its
 * boundary with the server, so the renderer does not parse it again.
 */
export function roleMay(role: WorkspaceRole | undefined, permission: Permission): boolean {
  return role !== undefined && roleGrants(role, permission);
}

/** True when my role in the open workspace grants `permission`. */
export function useCan(permission: Permission): boolean {
  return roleMay(
    useStore((s) => s.sync?.workspace?.role),
    permission,
  );
}
