import { Button, EmptyState, ErrorState, LoadingSpinner, Text } from '@hubspot/ui-extensions';
import type { ApiError } from './api';

/** The three states every card and the settings page show the same way. */

export function Loading({ label }: { label: string }) {
  return <LoadingSpinner label={label} showLabel layout="centered" />;
}

/** An error the user can act on: what went wrong, in the server's words, and a retry. */
export function LoadError({ title, error, onRetry }: { title: string; error: ApiError; onRetry: () => void }) {
  return (
    <ErrorState title={title}>
      <Text>{error.message}</Text>
      <Button onClick={() => onRetry()}>Try again</Button>
    </ErrorState>
  );
}

export function Empty({ title, children }: { title: string; children: string }) {
  return (
    <EmptyState title={title} layout="vertical" flush>
      <Text>{children}</Text>
    </EmptyState>
  );
}
