/**
 * A call to an org of the Salesforce sandbox as an app makes it: the bearer token (none when null),
 * a JSON body (a string goes as it is), and the answer as the wire carried it.
 */
export interface OrgAnswer<T> {
  status: number;
  headers: Headers;
  /** JSON when the answer says so, else its text; undefined when it has none. */
  body: T;
  text: string;
}

export interface OrgCallOptions {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

export async function orgCall<T = unknown>(
  instanceUrl: string,
  method: string,
  path: string,
  options: OrgCallOptions = {},
): Promise<OrgAnswer<T>> {
  const { token, body, headers } = options;
  const response = await fetch(`${instanceUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
  return {
    status: response.status,
    headers: response.headers,
    body: (text === '' ? undefined : json ? JSON.parse(text) : text) as T,
    text,
  };
}

/** The status and body alone, for tests that compare the whole answer. */
export const statusAndBody = <T>({ status, body }: OrgAnswer<T>): { status: number; body: T } => ({
  status,
  body,
});
