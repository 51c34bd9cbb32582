import { useState } from 'react';
import { Button, Text } from '@hubspot/ui-extensions';

/**
 * HubSpot's clipboard action (`actions.copyTextToClipboard`, which `hubspot.extend` gives record tabs and the
 * settings page): injected, like the fetcher, so tests can see what was copied.
 */
export type CopyText = (text: string) => Promise<void>;

/** A button that copies `text`, and says whether it did. The text stays on the card too, to read or select. */
export function CopyButton({ text, label, copy }: { text: string; label: string; copy: CopyText }) {
  const [outcome, setOutcome] = useState<'idle' | 'copied' | 'failed'>('idle');
  const onClick = async () => {
    try {
      await copy(text);
      setOutcome('copied');
    } catch {
      setOutcome('failed');
    }
  };
  return (
    <>
      <Button variant="primary" onClick={() => void onClick()}>
        {label}
      </Button>
      {outcome === 'copied' ? <Text variant="microcopy">Copied: paste it into your email or message.</Text> : null}
      {outcome === 'failed' ? <Text variant="microcopy">The browser did not allow copying: select the text and copy it.</Text> : null}
    </>
  );
}
