import { useStore } from '../../store.ts';

/** What a vigilo:// link names: vigilo://<workspace>/<alerts|hosts>/<id>. */
export function parseTarget(
  target: string,
): { workspace: string; kind: 'alerts' | 'hosts'; id: string } | undefined {
  const m = /^vigilo:\/\/([a-z0-9-]+)\/(alerts|hosts)\/([A-Za-z0-9-]+)$/.exec(target);
  if (!m) return undefined;
  return { workspace: m[1]!, kind: m[2] as 'alerts' | 'hosts', id: m[3]! };
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
  if (link.kind === 'alerts') {
    s.go('inbox');
    await s.loadInbox();
    const index = useStore.getState().inbox.findIndex((i) => i.id === link.id);
    if (index >= 0) useStore.setState({ selected: index });
    await useStore.getState().openAlert(link.id);
  } else {
    s.go('certificates');
    await s.openHost(link.id);
  }
}
