import { useStore } from '../../store.ts';

/** Who is signed in, and sign-out; "Sign in again" when the server no longer takes the session. */
export function UserMenu() {
  const session = useStore((s) => s.session);
  const ended = useStore((s) => s.sync?.connection === 'signed_out');
  const signIn = useStore((s) => s.signIn);
  const signOut = useStore((s) => s.signOut);
  if (!session?.canSwitch) return null;
  return (
    <span className="user" style={{ marginLeft: 'auto', display: 'flex', gap: 8, alignItems: 'center' }}>
      <span data-testid="signed-in-user">{session.user?.email ?? session.user?.name ?? 'Signed in'}</span>
      {ended ? <button onClick={() => void signIn()}>Sign in again</button> : null}
      <button onClick={() => void signOut()}>Sign out</button>
    </span>
  );
}
