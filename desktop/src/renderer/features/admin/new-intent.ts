import { useEffect } from 'react';
import { useStore } from '../../store.ts';

/**
 * Opens a tab's create form when Settings was opened with the palette's 'new' intent ("New alert
 * rule", "New channel"), then spends the intent so a later visit does not open it again. `open`
 * runs only when `allowed` (the role may create here).
 */
export function useNewIntent(allowed: boolean, open: () => void): void {
  const intent = useStore((s) => s.settingsIntent);
  const clearIntent = useStore((s) => s.clearSettingsIntent);
  useEffect(() => {
    if (intent !== 'new') return;
    clearIntent();
    if (allowed) open();
    // `open` is a new closure each render; the intent alone decides when this runs.
  }, [intent, clearIntent, allowed]);
}
