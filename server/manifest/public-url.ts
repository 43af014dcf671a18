/**
 * The manifest names the app's own address with a token, because the same app runs at a different
 * address per deployment (and on loopback in the demo). The token is filled in when the HubSpot
 * project is generated and when the server builds its OAuth redirect URL.
 */

export const PUBLIC_URL_TOKEN = '{{PUBLIC_URL}}';

/** Used by the project generator when neither `--public-url` nor PUBLIC_URL is given. */
export const DEFAULT_PUBLIC_URL = 'https://churn-radar.example.com';

export class PublicUrlError extends Error {
  readonly code = 'invalid_public_url';
  constructor(message: string) {
    super(message);
    this.name = 'PublicUrlError';
  }
}

/** The base address without a trailing slash, so `${base}/path` never doubles it. */
function trimBase(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, '');
}

/** Replaces the token in one URL template. */
export function fillPublicUrl(template: string, publicUrl: string): string {
  return template.split(PUBLIC_URL_TOKEN).join(trimBase(publicUrl));
}

/** A deep copy of `value` with the token replaced in every string. */
export function withPublicUrl<T>(value: T, publicUrl: string): T {
  if (typeof value === 'string') return fillPublicUrl(value, publicUrl) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => withPublicUrl(item, publicUrl)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, withPublicUrl(item, publicUrl)]),
    ) as T;
  }
  return value;
}

const LOCAL_HOSTS = /^(localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|.*\.localhost)$/i;

/**
 * HubSpot only lets cards fetch from, and only calls, public HTTPS addresses: a project built for
 * http:// or a loopback host would upload and then fail for every user. Returns the base without
 * a trailing slash.
 */
export function checkHubSpotPublicUrl(publicUrl: string): string {
  if (!URL.canParse(publicUrl)) {
    throw new PublicUrlError(`The public URL ${JSON.stringify(publicUrl)} is not a URL.`);
  }
  const url = new URL(publicUrl);
  if (url.protocol !== 'https:') {
    throw new PublicUrlError(
      `The public URL ${publicUrl} must use https://: HubSpot only calls and lets cards fetch HTTPS ` +
        'addresses. Put the server behind TLS (or a tunnel) and pass its https:// address.',
    );
  }
  if (LOCAL_HOSTS.test(url.hostname)) {
    throw new PublicUrlError(
      `The public URL ${publicUrl} points at this machine (${url.hostname}); HubSpot cannot reach it and ` +
        'refuses localhost fetch URLs. Pass the address HubSpot can reach, such as a tunnel’s https:// URL.',
    );
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new PublicUrlError(
      `The public URL ${publicUrl} must be a plain base address (no query, fragment or credentials).`,
    );
  }
  return trimBase(url.toString());
}
