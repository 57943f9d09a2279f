import { useStore } from '../../store.ts';

/** Shown while nobody is signed in: one button to the identity provider, and why the last try failed. */
export function SignIn() {
  const session = useStore((s) => s.session);
  const signIn = useStore((s) => s.signIn);
  // Only the session's own error: reads the pages made while nobody was signed in failed as expected.
  const why = session?.error;
  return (
    <main className="sign-in" data-testid="sign-in" style={{ maxWidth: 420, margin: '15vh auto' }}>
      <h1>Sign in to Vigilo</h1>
      <p className="muted">Vigilo opens your workspaces once you have signed in with your account.</p>
      {why ? (
        <p className="bad" role="alert">
          {why}
        </p>
      ) : null}
      <button onClick={() => void signIn()}>Sign in</button>
    </main>
  );
}
