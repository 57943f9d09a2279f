import { useStore } from '../../store.ts';

const KINDS = ['alerts', 'hosts', 'changes', 'incidents', 'schedules'] as const;
type LinkKind = (typeof KINDS)[number];

/** What a vigilo:// link names: vigilo://<workspace>/<alerts|hosts|changes|incidents|schedules>/<id>. */
export function parseTarget(target: string): { workspace: string; kind: LinkKind; id: string } | undefined {
  const m = /^vigilo:\/\/([a-z0-9-]+)\/([a-z]+)\/([A-Za-z0-9-]+)$/.exec(target);
  const kind = KINDS.find((k) => k === m?.[2]);
  if (!m || !kind) return undefined;
  return { workspace: m[1]!, kind, id: m[3]! };
}

/**
 * Opens what a deep link or a clicked notification names: switches workspace first when the
 * link is for another one the user belongs to, then shows the item. A link the app cannot
 * follow says so in the error line instead of doing something else.
 */
export async function openTarget(target: string): Promise<void> {
  const link = parseTarget(target);
  const s = useStore.getState();
  if (!link) {
    s.setError(`cannot open ${target}: not a Vigilo link`);
    return;
  }
  const session = s.session;
  if (session?.current && session.current !== link.workspace) {
    if (!session.canSwitch || !session.workspaces.some((w) => w.slug === link.workspace)) {
      s.setError(`cannot open ${target}: you are not signed in to workspace ${link.workspace}`);
      return;
    }
    await s.switchWorkspace(link.workspace);
  }
  switch (link.kind) {
    case 'alerts': {
      s.go('inbox');
      await s.loadInbox();
      const index = useStore.getState().inbox.findIndex((i) => i.id === link.id);
      if (index >= 0) useStore.setState({ selected: index });
      await useStore.getState().openAlert(link.id);
      return;
    }
    case 'hosts':
      s.go('certificates');
      await s.openHost(link.id);
      return;
    case 'changes':
      // An approval assigned to me opens in my queue; any other change on the Changes page.
      await s.showApprovalOf(link.id);
      return;
    case 'incidents':
      s.go('incidents');
      await s.openIncident(link.id);
      return;
    case 'schedules':
      // A shift starting: the On-call page shows every schedule, mine first among my shifts.
      s.go('oncall');
      return;
    default: {
      const never: never = link.kind;
      s.setError(`cannot open ${String(never)}`);
    }
  }
}
