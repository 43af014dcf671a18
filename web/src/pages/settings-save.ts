/** Saving the Settings form: a PUT of the settings changed, and the server's answer field by field. */
import { ApiError } from '../api.js';
import type { Problems, SettingsAnswer } from './settings-form.js';

export type Saving =
  { ok: true; settings: SettingsAnswer } | { ok: false; error: ApiError; problems: Problems };

/**
 * PUT …/settings. Not through `api()`: a refusal's `details` (what to enter, per field) are what
 * the form shows, and `api()` keeps the message alone.
 */
export async function putSettings(path: string, csrfToken: string, body: unknown): Promise<Saving> {
  try {
    const response = await fetch(path, {
      method: 'PUT',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/json', 'x-csrf-token': csrfToken },
      body: JSON.stringify(body),
    });
    if (response.status === 401) window.location.assign('/app/');
    const text = await response.text();
    const answer = (text ? JSON.parse(text) : undefined) as unknown;
    if (response.ok) return { ok: true, settings: answer as SettingsAnswer };
    const error = (answer as { error?: { code?: string; message?: string; details?: unknown } } | undefined)
      ?.error;
    const problems: Problems = {};
    for (const detail of Array.isArray(error?.details) ? (error.details as unknown[]) : []) {
      const { field, message } = (detail ?? {}) as { field?: unknown; message?: unknown };
      if (typeof field === 'string' && typeof message === 'string') problems[field] ??= message;
    }
    const message = error?.message ?? 'The settings were not saved. Try again.';
    return { ok: false, error: new ApiError(response.status, error?.code ?? 'http', message), problems };
  } catch {
    const message = 'The settings could not be sent: check the connection and try again.';
    return { ok: false, error: new ApiError(0, 'network', message), problems: {} };
  }
}
