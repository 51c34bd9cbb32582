import { useCallback, useEffect, useState } from 'react';
import { toApiError, type ApiError } from './api';

/** What a card shows while it reads: one of three states, never a mix. */
export type Load<T> = { status: 'loading' } | { status: 'success'; data: T } | { status: 'error'; error: ApiError };

/**
 * Reads once when the card mounts and again on `reload` (the error state's "Try again"); `update` changes what was
 * read after an action (a check-in logged, a pilot started) without reading it all again. The read is the one given
 * at mount: a card lives on one record.
 */
export function useLoad<T>(load: () => Promise<T>): { state: Load<T>; reload: () => void; update: (change: (data: T) => T) => void } {
  const [read] = useState(() => load);
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let current = true;
    read().then(
      (data) => current && setState({ status: 'success', data }),
      (error: unknown) => current && setState({ status: 'error', error: toApiError(error) }),
    );
    return () => {
      current = false;
    };
  }, [read, attempt]);
  const reload = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  }, []);
  const update = useCallback((change: (data: T) => T) => setState((s) => (s.status === 'success' ? { status: 'success', data: change(s.data) } : s)), []);
  return { state, reload, update };
}
