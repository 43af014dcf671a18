import { useState } from 'react';
import { api, type ApiError, useApi } from '../api.js';
import { formatDate } from '../format.js';
import { usePortalPath } from '../session.js';
import { Button, Card, ErrorNotice, Spinner } from '../ui.js';

/** The key the customer's product sends usage events with: shown once when made or rotated. */
export function UsageKey() {
  const path = usePortalPath('usage-api-key');
  const info = useApi<{ key: { prefix: string; createdAt: string; rotatedAt: string | null } | null }>(
    usePortalPath('usage-api-key-status'),
  );
  const [fresh, setFresh] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const issue = async (rotate: boolean) => {
    setError(null);
    try {
      const key = await api<{ key: string }>(rotate ? `${path}/rotate` : path, { method: 'POST' });
      setFresh(key.key);
      info.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const current = info.state === 'ready' ? info.data.key : null;
  const hasKey = current !== null;
  return (
    <Card title="Usage events API key" note="your product sends usage events with it">
      {info.state === 'loading' && <Spinner />}
      {current && (
        <p>
          Key <code>{current.prefix}…</code> created {formatDate(current.createdAt)}
          {current.rotatedAt ? `, rotated ${formatDate(current.rotatedAt)}` : ''}.
        </p>
      )}
      {info.state === 'ready' && !current && <p className="muted">No key yet.</p>}
      {info.state === 'error' && <ErrorNotice error={info.error} />}
      {fresh && (
        <p className="notice" role="status">
          Copy it now, it is shown once: <code style={{ wordBreak: 'break-all' }}>{fresh}</code>
        </p>
      )}
      {error && <ErrorNotice error={error} />}
      <Button onClick={() => issue(hasKey)}>{hasKey ? 'Rotate the key' : 'Create a key'}</Button>
    </Card>
  );
}
