/**
 * HTTP callouts as an org's Apex makes them through a named credential: `callout:Name/path?query`
 * becomes the named credential's URL followed by the path and query, and the external
 * credential's auth headers are added with their `{!$Credential.<ExternalCredential>.<Name>}`
 * merge fields replaced by the values set for the principal the running user may use (the
 * lowest sequence number among those their permission sets enable). The caller's headers go as
 * given, but never over an auth header. Whatever stops a callout in Apex — no such named
 * credential, no principal access, no credential set, a refused or unreachable endpoint, a
 * timeout — comes back as Apex's `System.CalloutException`, not as an HTTP error.
 *
 * Every callout is logged per org (when, who, method, endpoint, URL, status or exception, how
 * long) without bodies or header values.
 */
import { request as httpRequest, STATUS_CODES, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NamedCredentials, StoredCredential } from './named-credentials.js';
import type { ExternalCredentialDef } from './package-metadata.js';
import type { SalesforceOrg } from './store.js';

export const CALLOUT_EXCEPTION = 'System.CalloutException';
/** Apex's default callout timeout, and its maximum. */
export const DEFAULT_CALLOUT_TIMEOUT_MS = 10_000;
export const MAX_CALLOUT_TIMEOUT_MS = 120_000;
/** The API version of the Apex making the callout, in the User-Agent Salesforce sends. */
const APEX_API_VERSION = '66.0';
const KEPT_PER_ORG = 1_000;

export interface CalloutRequest {
  /** `callout:Named_Credential/path?query`. */
  endpoint: string;
  method: string;
  headers: Record<string, string>;
  body?: string | undefined;
  /** The running user, an id of the org's. */
  userId: string;
  timeoutMs: number;
}

export interface CalloutResponse {
  statusCode: number;
  status: string;
  headers: Record<string, string>;
  body: string;
}

export interface CalloutFailure {
  exception: { type: typeof CALLOUT_EXCEPTION; message: string };
}

export type CalloutOutcome = CalloutResponse | CalloutFailure;

export interface CalloutLogEntry {
  at: string;
  orgId: string;
  userId: string;
  method: string;
  endpoint: string;
  namedCredential: string | null;
  /** The URL the endpoint resolved to, when it did. */
  url: string | null;
  statusCode: number | null;
  status: string | null;
  exception: { type: typeof CALLOUT_EXCEPTION; message: string } | null;
  /** What the sandbox saw behind an exception (`ECONNREFUSED`, `timeout`…); Apex never shows it. */
  cause: string | null;
  durationMs: number;
}

class CalloutException extends Error {
  constructor(
    message: string,
    readonly detail: string | null = null,
  ) {
    super(message);
    this.name = 'CalloutException';
  }
}

/** Where a callout goes and the headers its external credential adds. */
interface Resolved {
  namedCredential: string;
  url: URL;
  authHeaders: [string, string][];
}

/** `callout:Name/rest` → `Name` and `/rest` (which may start with `?` or be empty). */
function splitEndpoint(endpoint: string): { name: string; rest: string } | undefined {
  const match = /^callout:([^/?#]*)(.*)$/s.exec(endpoint);
  return match ? { name: match[1]!, rest: match[2]! } : undefined;
}

function joinUrl(base: string, rest: string): URL {
  const trimmed = base.replace(/\/+$/, '');
  return new URL(
    rest === '' || rest.startsWith('/') || rest.startsWith('?') ? trimmed + rest : `${trimmed}/${rest}`,
  );
}

const MERGE_FIELD = /\{!([^}]*)\}/g;
const STRING_TERM = /^(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")$/s;
const CREDENTIAL_TERM = /^\$Credential\.([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)$/;

/**
 * An auth header's value: its formula with each `{!…}` evaluated. A formula joins string literals
 * and `$Credential.<ExternalCredential>.<Name>` references with `&`; a name the principal has no
 * value for is blank, as in a Salesforce formula.
 */
function evaluate(formula: string, ec: ExternalCredentialDef, credential: StoredCredential): string {
  return formula.replace(MERGE_FIELD, (_whole, expression: string) =>
    expression
      .split('&')
      .map((raw) => {
        const term = raw.trim();
        const literal = STRING_TERM.exec(term);
        if (literal) return (literal[1] ?? literal[2] ?? '').replace(/\\(.)/gs, '$1');
        const reference = CREDENTIAL_TERM.exec(term);
        if (reference) {
          return reference[1] === ec.name ? (credential.values[reference[2]!]?.value ?? '') : '';
        }
        throw new CalloutException(
          `The formula of an auth header of external credential "${ec.name}" can't be evaluated: ${formula}`,
          'formula not supported by the sandbox',
        );
      })
      .join(''),
  );
}

/** Header names and values merged case-insensitively (first spelling kept), as Apex's getHeader reads them. */
function headersOf(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  const spelling = new Map<string, string>();
  for (let i = 0; i + 1 < response.rawHeaders.length; i += 2) {
    const name = response.rawHeaders[i]!;
    const value = response.rawHeaders[i + 1]!;
    const known = spelling.get(name.toLowerCase());
    if (known === undefined) {
      spelling.set(name.toLowerCase(), name);
      headers[name] = value;
    } else {
      headers[known] = `${headers[known]}, ${value}`;
    }
  }
  return headers;
}

/** Headers a caller cannot set: the transport's own. */
const TRANSPORT_HEADERS = new Set(['content-length', 'transfer-encoding', 'host', 'connection']);

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
) {
  return new Promise<CalloutResponse>((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const outgoing: Record<string, string> = { ...headers };
    if (payload || ['POST', 'PUT', 'PATCH'].includes(method)) {
      outgoing['Content-Length'] = String(payload?.length ?? 0);
    }
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method,
      headers: outgoing,
      agent: false,
    });
    const timer = setTimeout(() => {
      request.destroy(new CalloutException('Read timed out', `timeout after ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      if (error instanceof CalloutException) return reject(error);
      const code = (error as NodeJS.ErrnoException).code ?? error.message;
      // Salesforce's callouts leave through its proxy, which answers for an endpoint it cannot reach.
      reject(
        new CalloutException(
          'Unable to tunnel through proxy. Proxy returns "HTTP/1.1 503 Service Unavailable"',
          code,
        ),
      );
    };
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        const statusCode = response.statusCode ?? 0;
        resolve({
          statusCode,
          status: response.statusMessage || STATUS_CODES[statusCode] || '',
          headers: headersOf(response),
          body: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    request.end(payload);
  });
}

export class Callouts {
  private readonly log = new Map<string, CalloutLogEntry[]>();

  constructor(private readonly credentials: NamedCredentials) {}

  /** Makes the callout as Apex would, and logs it. */
  async perform(org: SalesforceOrg, callout: CalloutRequest): Promise<CalloutOutcome> {
    const started = Date.now();
    const at = org.now().toISOString();
    let resolved: Resolved | undefined;
    let outcome: CalloutOutcome;
    let cause: string | null = null;
    try {
      resolved = this.resolve(org, callout);
      const authNames = new Set(resolved.authHeaders.map(([name]) => name.toLowerCase()));
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(callout.headers)) {
        const lower = name.toLowerCase();
        if (!authNames.has(lower) && !TRANSPORT_HEADERS.has(lower)) headers[name] = value;
      }
      if (!Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent')) {
        headers['User-Agent'] = `SFDC-Callout/${APEX_API_VERSION}`;
      }
      for (const [name, value] of resolved.authHeaders) headers[name] = value;
      outcome = await send(resolved.url, callout.method, headers, callout.body, callout.timeoutMs);
    } catch (error) {
      const exception =
        error instanceof CalloutException
          ? error
          : new CalloutException(
              error instanceof Error ? error.message : String(error),
              'the request could not be sent',
            );
      cause = exception.detail;
      outcome = { exception: { type: CALLOUT_EXCEPTION, message: exception.message } };
    }
    this.record(org.orgId, {
      at,
      orgId: org.orgId,
      userId: callout.userId,
      method: callout.method,
      endpoint: callout.endpoint,
      namedCredential: resolved?.namedCredential ?? splitEndpoint(callout.endpoint)?.name ?? null,
      url: resolved?.url.toString() ?? null,
      statusCode: 'statusCode' in outcome ? outcome.statusCode : null,
      status: 'status' in outcome ? outcome.status : null,
      exception: 'exception' in outcome ? outcome.exception : null,
      cause,
      durationMs: Date.now() - started,
    });
    return outcome;
  }

  /** The org's callouts, newest last. */
  recent(orgId: string): CalloutLogEntry[] {
    return [...(this.log.get(orgId) ?? [])];
  }

  clear(orgId: string): void {
    this.log.delete(orgId);
  }

  private record(orgId: string, entry: CalloutLogEntry): void {
    const list = this.log.get(orgId) ?? [];
    list.push(entry);
    if (list.length > KEPT_PER_ORG) list.splice(0, list.length - KEPT_PER_ORG);
    this.log.set(orgId, list);
  }

  private resolve(org: SalesforceOrg, callout: CalloutRequest): Resolved {
    const parts = splitEndpoint(callout.endpoint);
    if (!parts) {
      // Without a named credential, Apex needs a Remote Site Setting; the sandbox's org has none.
      throw new CalloutException(
        `Unauthorized endpoint, please check Setup->Security->Remote site settings. endpoint = ${callout.endpoint}`,
        'not a callout: endpoint',
      );
    }
    const named = this.credentials.namedCredential(org.orgId, parts.name);
    if (!named) {
      throw new CalloutException(
        `The callout couldn't access the endpoint. You might not have the required permissions, or the named ` +
          `credential "${parts.name}" might not exist.`,
        'no such named credential installed',
      );
    }
    if (named.calloutStatus !== 'Enabled') {
      throw new CalloutException(
        `The named credential "${named.name}" isn't enabled for callouts.`,
        `calloutStatus ${named.calloutStatus}`,
      );
    }
    let url: URL;
    try {
      url = joinUrl(named.url, parts.rest);
    } catch {
      throw new CalloutException(`Invalid endpoint: ${callout.endpoint}`, 'the URL does not parse');
    }
    const authHeaders: [string, string][] = [];
    if (named.externalCredential !== null) {
      const ec = this.credentials.externalCredential(org.orgId, named.externalCredential);
      const principal = ec && this.credentials.principalsFor(org, callout.userId, ec)[0];
      if (!ec || !principal) {
        throw new CalloutException(
          `We couldn't access the credential(s). You might not have the required permissions, or the external ` +
            `credential "${named.externalCredential}" might not exist.`,
          'no permission set assigned to the user enables a principal of the external credential',
        );
      }
      const credential = this.credentials.credential(org.orgId, ec.name, principal.name);
      if (!credential) {
        throw new CalloutException(
          `The named principal "${principal.name}" of external credential "${ec.name}" has no credentials set.`,
          'no credential set for the principal',
        );
      }
      for (const header of ec.authHeaders)
        authHeaders.push([header.name, evaluate(header.value, ec, credential)]);
    }
    return { namedCredential: named.name, url, authHeaders };
  }
}
