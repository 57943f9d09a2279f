// Run as a child process by outbox-kill.test.ts: acts offline, then dies by SIGKILL before the
// outbox could be sent (or, with KILL_AFTER_SEND, right after the server answered but before the
// answer was recorded). Nothing here gets a chance to clean up: that is the point.
import { DesktopCore } from '../../src/core/desktop-core.ts';

const { DATA_DIR, SERVER_URL, TOKEN, ALERT_ID, KILL_AFTER_SEND } = process.env;
const core = new DesktopCore({
  dataDir: DATA_DIR!,
  serverUrl: SERVER_URL!,
  workspace: 'acme',
  token: () => Promise.resolve(TOKEN),
  fetch: async (input, init) => {
    const res = await globalThis.fetch(input, init);
    if (KILL_AFTER_SEND && String(input instanceof Request ? input.url : input).includes('sync.push')) {
      await res.text(); // the server has answered: the mutation is committed there
      process.kill(process.pid, 'SIGKILL');
    }
    return res;
  },
});
await core.engine.syncNow();
core.store.outbox.enqueue({
  kind: 'alert.acknowledge',
  args: { alertId: ALERT_ID!, note: 'from a doomed process' },
});
if (KILL_AFTER_SEND) await core.engine.syncNow();
process.kill(process.pid, 'SIGKILL');
