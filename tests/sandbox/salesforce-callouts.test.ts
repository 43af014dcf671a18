import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startSalesforceSandbox, type RunningSalesforceSandbox } from '../../sandbox/salesforce/main.js';
import type { SalesforceOrg } from '../../sandbox/salesforce/store.js';

const APP = {
  clientId: 'callout-client',
  clientSecret: 'callout-secret',
  redirectUris: ['https://app.example.com/cb'],
};
const V = '/services/data/v64.0';
const CREDENTIAL = `${V}/named-credentials/credential`;
const ACTION = '/api/v1/salesforce/actions/send-retention-offer';

interface Answer<T> {
  status: number;
  body: T;
  text: string;
}
type ApiError = { errorCode: string; message: string }[];
type Credential = {
  externalCredential: string;
  principalName: string;
  principalType: string;
  authenticationProtocol: string;
  authenticationStatus: string;
  credentials: Record<string, { encrypted: boolean; value: string | null }>;
};
type CalloutAnswer = {
  statusCode?: number;
  status?: string;
  headers?: Record<string, string>;
  body?: string;
  exception?: { type: string; message: string };
};
type LogEntry = {
  at: string;
  orgId: string;
  userId: string;
  method: string;
  endpoint: string;
  namedCredential: string | null;
  url: string | null;
  statusCode: number | null;
  status: string | null;
  exception: { type: string; message: string } | null;
  durationMs: number;
};

// ---- a fixture SFDX project, as `npm run salesforce:package` writes one -----------------------

const EXTERNAL_CREDENTIAL = `<?xml version="1.0" encoding="UTF-8"?>
<ExternalCredential xmlns="http://soap.sforce.com/2006/04/metadata">
    <authenticationProtocol>Custom</authenticationProtocol>
    <externalCredentialParameters>
        <parameterGroup>Churn_Radar_Org</parameterGroup>
        <parameterName>Churn_Radar_Org</parameterName>
        <parameterType>NamedPrincipal</parameterType>
        <sequenceNumber>1</sequenceNumber>
    </externalCredentialParameters>
    <externalCredentialParameters>
        <parameterGroup>DefaultGroup</parameterGroup>
        <parameterName>X-Churn-Radar-Secret</parameterName>
        <parameterType>AuthHeader</parameterType>
        <parameterValue>{!$Credential.Churn_Radar.Secret}</parameterValue>
        <sequenceNumber>1</sequenceNumber>
    </externalCredentialParameters>
    <label>Churn Radar</label>
</ExternalCredential>
`;

function namedCredential(url: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<NamedCredential xmlns="http://soap.sforce.com/2006/04/metadata">
    <allowMergeFieldsInBody>false</allowMergeFieldsInBody>
    <allowMergeFieldsInHeader>false</allowMergeFieldsInHeader>
    <calloutStatus>Enabled</calloutStatus>
    <generateAuthorizationHeader>false</generateAuthorizationHeader>
    <label>Churn Radar</label>
    <namedCredentialParameters>
        <parameterName>Url</parameterName>
        <parameterType>Url</parameterType>
        <parameterValue>${url}</parameterValue>
    </namedCredentialParameters>
    <namedCredentialParameters>
        <externalCredential>Churn_Radar</externalCredential>
        <parameterName>ExternalCredential</parameterName>
        <parameterType>Authentication</parameterType>
    </namedCredentialParameters>
    <namedCredentialType>SecuredEndpoint</namedCredentialType>
</NamedCredential>
`;
}

const PERMISSION_SET = `<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">
    <classAccesses>
        <apexClass>ChurnRadarActions</apexClass>
        <enabled>true</enabled>
    </classAccesses>
    <externalCredentialPrincipalAccesses>
        <enabled>true</enabled>
        <externalCredentialPrincipal>Churn_Radar-Churn_Radar_Org</externalCredentialPrincipal>
    </externalCredentialPrincipalAccesses>
    <hasActivationRequired>false</hasActivationRequired>
    <label>Churn Radar Callouts</label>
</PermissionSet>
`;

interface FixtureOptions {
  url: string;
  /** A second named credential on the same external credential. */
  alsoNamed?: { name: string; url: string };
  /** Replaces the external credential's file. */
  externalCredentialXml?: string;
}

async function writeProject(dir: string, options: FixtureOptions): Promise<string> {
  const base = path.join(dir, 'force-app', 'main', 'default');
  const folders = ['externalCredentials', 'namedCredentials', 'permissionsets', 'classes'];
  for (const folder of folders) await mkdir(path.join(base, folder), { recursive: true });
  await writeFile(
    path.join(dir, 'sfdx-project.json'),
    JSON.stringify({
      packageDirectories: [
        { path: 'force-app', default: true, package: 'Churn Radar', versionNumber: '1.0.0.NEXT' },
      ],
      name: 'churn-radar',
      namespace: '',
      sourceApiVersion: '64.0',
    }),
  );
  await writeFile(
    path.join(base, 'externalCredentials', 'Churn_Radar.externalCredential-meta.xml'),
    options.externalCredentialXml ?? EXTERNAL_CREDENTIAL,
  );
  await writeFile(
    path.join(base, 'namedCredentials', 'Churn_Radar.namedCredential-meta.xml'),
    namedCredential(options.url),
  );
  if (options.alsoNamed) {
    await writeFile(
      path.join(base, 'namedCredentials', `${options.alsoNamed.name}.namedCredential-meta.xml`),
      namedCredential(options.alsoNamed.url),
    );
  }
  await writeFile(path.join(base, 'permissionsets', 'Churn_Radar.permissionset-meta.xml'), PERMISSION_SET);
  for (const name of ['ChurnRadarActions', 'ChurnRadarClient']) {
    await writeFile(path.join(base, 'classes', `${name}.cls`), `public class ${name} {}\n`);
    await writeFile(
      path.join(base, 'classes', `${name}.cls-meta.xml`),
      '<?xml version="1.0" encoding="UTF-8"?>\n<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">' +
        '<apiVersion>64.0</apiVersion><status>Active</status></ApexClass>\n',
    );
  }
  return dir;
}

// ---- the product's side of a callout: a tiny server that remembers what arrived ----------------

interface Arrival {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('Salesforce sandbox: packages, named credentials and Apex callouts', () => {
  let sandbox: RunningSalesforceSandbox;
  let org: SalesforceOrg;
  let token: string;
  let tmp: string;
  let remote: Server;
  let remoteUrl: string;
  let closedUrl: string;
  let project: string;
  const arrivals: Arrival[] = [];
  const secret = randomBytes(24).toString('base64url');
  const rotated = randomBytes(24).toString('base64url');

  async function call<T = unknown>(
    method: string,
    pathname: string,
    body?: unknown,
    bearer: string | null = token,
  ): Promise<Answer<T>> {
    const response = await fetch(`${sandbox.instanceUrl}${pathname}`, {
      method,
      headers: {
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
    return { status: response.status, body: (json ? JSON.parse(text) : text) as T, text };
  }

  const admin = <T = unknown>(method: string, pathname: string, body?: unknown) =>
    call<T>(method, `/_sandbox/salesforce/orgs/${org.orgId}${pathname}`, body, null);

  async function tokenFor(orgId: string, userId?: string): Promise<string> {
    const issued = await call<{ access_token: string }>(
      'POST',
      `/_sandbox/salesforce/orgs/${orgId}/tokens`,
      { clientId: APP.clientId, ...(userId ? { userId } : {}) },
      null,
    );
    expect(issued.status).toBe(201);
    return issued.body.access_token;
  }

  const secretInput = (value: string) => ({
    externalCredential: 'Churn_Radar',
    authenticationProtocol: 'Custom',
    principalName: 'Churn_Radar_Org',
    principalType: 'NamedPrincipal',
    credentials: { Secret: { value, encrypted: true } },
  });
  const principalQuery = new URLSearchParams({
    externalCredential: 'Churn_Radar',
    principalName: 'Churn_Radar_Org',
    principalType: 'NamedPrincipal',
  }).toString();

  const callout = (input: Record<string, unknown>) => admin<CalloutAnswer>('POST', '/callouts', input);
  const offerCallout = (extra: Record<string, unknown> = {}) =>
    callout({
      endpoint: `callout:Churn_Radar${ACTION}?attempt=1`,
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Churn-Radar-Org': org.orgId,
        'X-Churn-Radar-User': org.adminUser.Id,
      },
      body: JSON.stringify({ contactId: '003000000000001AAA', offer: 'discount-20' }),
      ...extra,
    });

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ apps: [APP], orgs: 1 });
    org = [...sandbox.store.orgs.values()][0]!;
    token = await tokenFor(org.orgId);
    tmp = await mkdtemp(path.join(tmpdir(), 'sf-callouts-'));

    remote = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        arrivals.push({
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        if ((req.url ?? '').startsWith('/slow')) {
          setTimeout(() => res.end('late'), 2_000).unref();
          return;
        }
        if ((req.url ?? '').startsWith('/missing')) {
          res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
          return;
        }
        res
          .writeHead(202, { 'content-type': 'application/json', 'x-request-id': 'req-1' })
          .end(JSON.stringify({ queued: true }));
      });
    });
    remoteUrl = await listen(remote);
    const closed = createServer();
    closedUrl = await listen(closed);
    await closeServer(closed);

    project = await writeProject(path.join(tmp, 'package'), {
      url: remoteUrl,
      alsoNamed: { name: 'Churn_Radar_Down', url: closedUrl },
    });
  });

  afterAll(async () => {
    await sandbox.close();
    await closeServer(remote);
    await rm(tmp, { recursive: true, force: true });
  });

  describe('package install', () => {
    it('refuses a missing folder, a relative path, a folder without sfdx-project.json and malformed XML', async () => {
      const missing = await admin<ApiError>('POST', '/packages', { projectDir: path.join(tmp, 'nowhere') });
      expect(missing.status).toBe(400);
      expect(missing.body[0]).toMatchObject({ errorCode: 'INVALID_PACKAGE' });
      expect(missing.body[0]!.message).toContain('No project folder');

      const relative = await admin<ApiError>('POST', '/packages', { projectDir: 'force-app' });
      expect(relative.status).toBe(400);
      expect(relative.body[0]!.message).toContain('absolute');

      const empty = path.join(tmp, 'empty');
      await mkdir(empty);
      const noProject = await admin<ApiError>('POST', '/packages', { projectDir: empty });
      expect(noProject.status).toBe(400);
      expect(noProject.body[0]!.message).toContain('sfdx-project.json');

      const broken = await writeProject(path.join(tmp, 'broken'), {
        url: remoteUrl,
        externalCredentialXml: EXTERNAL_CREDENTIAL.replace('</label>', '</labl>'),
      });
      const malformed = await admin<ApiError>('POST', '/packages', { projectDir: broken });
      expect(malformed.status).toBe(400);
      expect(malformed.body[0]!.message).toMatch(
        /Churn_Radar\.externalCredential-meta\.xml: malformed XML at line \d+/,
      );

      const bad = await admin<ApiError>('POST', '/packages', {});
      expect(bad.status).toBe(400);
      expect((await admin<{ packages: unknown[] }>('GET', '/packages')).body.packages).toEqual([]);
    });

    it('refuses a permission set or named credential naming what the project lacks', async () => {
      const dangling = await writeProject(path.join(tmp, 'dangling'), {
        url: remoteUrl,
        externalCredentialXml: EXTERNAL_CREDENTIAL.replace(/Churn_Radar_Org/g, 'Someone_Else'),
      });
      const answer = await admin<ApiError>('POST', '/packages', { projectDir: dangling });
      expect(answer.status).toBe(400);
      expect(answer.body[0]!.message).toContain('Churn_Radar-Churn_Radar_Org');
    });

    it('installs the external and named credentials, the permission set and the class names', async () => {
      const installed = await admin<Record<string, unknown>>('POST', '/packages', { projectDir: project });
      expect(installed.status).toBe(201);
      expect(installed.body).toMatchObject({
        name: 'Churn Radar',
        versionNumber: '1.0.0.NEXT',
        projectDir: project,
        installedById: org.adminUser.Id,
        externalCredentials: [
          {
            name: 'Churn_Radar',
            label: 'Churn Radar',
            authenticationProtocol: 'Custom',
            principals: [{ name: 'Churn_Radar_Org', sequenceNumber: 1 }],
            authHeaders: [
              { name: 'X-Churn-Radar-Secret', value: '{!$Credential.Churn_Radar.Secret}', sequenceNumber: 1 },
            ],
          },
        ],
        namedCredentials: [
          {
            name: 'Churn_Radar',
            url: remoteUrl,
            externalCredential: 'Churn_Radar',
            calloutStatus: 'Enabled',
          },
          { name: 'Churn_Radar_Down', url: closedUrl, externalCredential: 'Churn_Radar' },
        ],
        permissionSets: [
          {
            name: 'Churn_Radar',
            label: 'Churn Radar Callouts',
            id: expect.stringMatching(/^0PS/),
            externalCredentialPrincipals: ['Churn_Radar-Churn_Radar_Org'],
          },
        ],
        apexClasses: ['ChurnRadarActions', 'ChurnRadarClient'],
      });

      const listed = await admin<{ packages: { name: string }[] }>('GET', '/packages');
      expect(listed.body.packages.map((p) => p.name)).toEqual(['Churn Radar']);

      // The permission set is a record of the org, assigned to its admin.
      const sets = await call<{ records: { Id: string; Name: string }[] }>(
        'GET',
        `${V}/query?q=${encodeURIComponent("SELECT Id, Name FROM PermissionSet WHERE Name = 'Churn_Radar'")}`,
      );
      expect(sets.body.records).toHaveLength(1);
      const assigned = await call<{ totalSize: number }>(
        'GET',
        `${V}/query?q=${encodeURIComponent(
          `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = '${sets.body.records[0]!.Id}' AND AssigneeId = '${org.adminUser.Id}'`,
        )}`,
      );
      expect(assigned.body.totalSize).toBe(1);

      const statuses = await admin<{ credentials: Record<string, unknown>[] }>('GET', '/credentials');
      expect(statuses.body.credentials).toEqual([
        expect.objectContaining({
          externalCredential: 'Churn_Radar',
          principalName: 'Churn_Radar_Org',
          authenticationStatus: 'NotConfigured',
          credentialNames: [],
          lastModifiedDate: null,
        }),
      ]);
    });
  });

  describe('the Connect REST API credential resource', () => {
    it('answers 404 in an org without the package', async () => {
      const other = await call<{ orgId: string }>(
        'POST',
        '/_sandbox/salesforce/orgs',
        { name: 'Bare' },
        null,
      );
      const bare = await tokenFor(other.body.orgId);
      const posted = await call<ApiError>('POST', CREDENTIAL, secretInput(secret), bare);
      expect(posted.status).toBe(404);
      expect(posted.body[0]).toMatchObject({ errorCode: 'NOT_FOUND' });
      expect(posted.body[0]!.message).toContain('Churn_Radar');
      const read = await call<ApiError>('GET', `${CREDENTIAL}?${principalQuery}`, undefined, bare);
      expect(read.status).toBe(404);
    });

    it('checks the body, the principal and the protocol', async () => {
      const noBody = await call<ApiError>('POST', CREDENTIAL, { externalCredential: 'Churn_Radar' });
      expect(noBody.status).toBe(400);
      expect(noBody.body[0]!.errorCode).toBe('INVALID_INPUT');

      const perUser = await call<ApiError>('POST', CREDENTIAL, {
        ...secretInput(secret),
        principalType: 'PerUserPrincipal',
      });
      expect(perUser.status).toBe(400);
      expect(perUser.body[0]).toMatchObject({ errorCode: 'INVALID_INPUT' });

      const protocol = await call<ApiError>('POST', CREDENTIAL, {
        ...secretInput(secret),
        authenticationProtocol: 'OAuth',
      });
      expect(protocol.status).toBe(400);
      expect(protocol.body[0]!.message).toContain('Custom');

      const unknownEc = await call<ApiError>('POST', CREDENTIAL, {
        ...secretInput(secret),
        externalCredential: 'Nope',
      });
      expect(unknownEc.status).toBe(404);
      const unknownPrincipal = await call<ApiError>('POST', CREDENTIAL, {
        ...secretInput(secret),
        principalName: 'Nobody',
      });
      expect(unknownPrincipal.status).toBe(404);
      expect(unknownPrincipal.body[0]!.errorCode).toBe('NOT_FOUND');

      // Nothing set yet: PUT has nothing to replace.
      const put = await call<ApiError>('PUT', CREDENTIAL, secretInput(secret));
      expect(put.status).toBe(404);
    });

    it('refuses users without the admin rights', async () => {
      const rep = org.addUser({ firstName: 'Rep', lastName: 'One', email: 'rep.one@callouts.example.com' });
      const repToken = await tokenFor(org.orgId, rep.Id);
      const posted = await call<ApiError>('POST', CREDENTIAL, secretInput(secret), repToken);
      expect(posted.status).toBe(403);
      expect(posted.body[0]!.errorCode).toBe('INSUFFICIENT_ACCESS');
    });

    it('sets the secret without ever echoing it, refuses a second POST, reads, replaces and counts calls', async () => {
      await call('DELETE', `/_sandbox/salesforce/orgs/${org.orgId}/calls`, undefined, null);
      const posted = await call<Credential>('POST', CREDENTIAL, {
        ...secretInput(secret),
        credentials: {
          Secret: { value: secret, encrypted: true },
          Region: { value: 'eu', encrypted: false },
        },
      });
      expect(posted.status).toBe(201);
      expect(posted.body).toEqual({
        authenticationProtocol: 'Custom',
        authenticationStatus: 'Configured',
        credentials: { Secret: { encrypted: true, value: null }, Region: { encrypted: false, value: 'eu' } },
        externalCredential: 'Churn_Radar',
        principalName: 'Churn_Radar_Org',
        principalType: 'NamedPrincipal',
      });
      expect(posted.text).not.toContain(secret);

      const again = await call<ApiError>('POST', CREDENTIAL, secretInput(secret));
      expect(again.status).toBe(400);
      expect(again.body[0]!.message).toContain('PUT');

      const read = await call<Credential>('GET', `${CREDENTIAL}?${principalQuery}`);
      expect(read.status).toBe(200);
      expect(read.body.credentials.Secret).toEqual({ encrypted: true, value: null });
      expect(read.text).not.toContain(secret);

      const badQuery = await call<ApiError>('GET', `${CREDENTIAL}?externalCredential=Churn_Radar`);
      expect(badQuery.status).toBe(400);

      const replaced = await call<Credential>('PUT', CREDENTIAL, secretInput(secret));
      expect(replaced.status).toBe(200);
      expect(Object.keys(replaced.body.credentials)).toEqual(['Secret']);
      expect(replaced.text).not.toContain(secret);

      const calls = await call<{ byEndpoint: Record<string, number> }>(
        'GET',
        `/_sandbox/salesforce/orgs/${org.orgId}/calls`,
        undefined,
        null,
      );
      expect(calls.body.byEndpoint['POST named-credentials/credential']).toBe(2);
      expect(calls.body.byEndpoint['PUT named-credentials/credential']).toBe(1);

      const statuses = await admin<{ credentials: Record<string, unknown>[] }>('GET', '/credentials');
      expect(statuses.body.credentials[0]).toMatchObject({
        authenticationStatus: 'Configured',
        credentialNames: ['Secret'],
        createdById: org.adminUser.Id,
        lastModifiedDate: expect.any(String),
      });
      expect(JSON.stringify(statuses.body)).not.toContain(secret);
    });
  });

  describe('callouts as the org’s Apex makes them', () => {
    it('resolves callout:Churn_Radar and sends the secret, the caller’s headers, path, query and body', async () => {
      arrivals.length = 0;
      const answer = await offerCallout({
        headers: {
          'Content-Type': 'application/json',
          'X-Churn-Radar-Org': org.orgId,
          'X-Churn-Radar-User': org.adminUser.Id,
          // A caller cannot forge the external credential's header.
          'x-churn-radar-secret': 'forged',
        },
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        statusCode: 202,
        status: 'Accepted',
        headers: expect.objectContaining({ 'content-type': 'application/json', 'x-request-id': 'req-1' }),
        body: '{"queued":true}',
      });
      expect(arrivals).toHaveLength(1);
      const arrived = arrivals[0]!;
      expect(arrived.method).toBe('POST');
      expect(arrived.url).toBe(`${ACTION}?attempt=1`);
      expect(arrived.headers['x-churn-radar-secret']).toBe(secret);
      expect(arrived.headers['x-churn-radar-org']).toBe(org.orgId);
      expect(arrived.headers['x-churn-radar-user']).toBe(org.adminUser.Id);
      expect(arrived.headers['content-type']).toBe('application/json');
      expect(arrived.headers['user-agent']).toMatch(/^SFDC-Callout\//);
      expect(JSON.parse(arrived.body)).toEqual({ contactId: '003000000000001AAA', offer: 'discount-20' });
    });

    it('sends the new secret once PUT replaces it, and passes the remote’s error statuses through', async () => {
      expect((await call('PUT', CREDENTIAL, secretInput(rotated))).status).toBe(200);
      arrivals.length = 0;
      const answer = await callout({ endpoint: 'callout:Churn_Radar/missing', method: 'get' });
      expect(answer.body).toMatchObject({
        statusCode: 404,
        status: 'Not Found',
        body: '{"error":"not found"}',
      });
      expect(arrivals[0]).toMatchObject({ method: 'GET', url: '/missing' });
      expect(arrivals[0]!.headers['x-churn-radar-secret']).toBe(rotated);
    });

    it('fails as System.CalloutException for an unknown named credential or a plain URL', async () => {
      const unknown = await callout({ endpoint: 'callout:Somewhere_Else/x', method: 'POST', body: '{}' });
      expect(unknown.status).toBe(200);
      expect(unknown.body.exception).toEqual({
        type: 'System.CalloutException',
        message: expect.stringContaining('"Somewhere_Else"'),
      });
      const plain = await callout({ endpoint: `${remoteUrl}/x`, method: 'GET' });
      expect(plain.body.exception?.message).toContain('Remote site settings');
    });

    it('fails for an unreachable endpoint and for a timeout', async () => {
      const down = await callout({ endpoint: 'callout:Churn_Radar_Down/x', method: 'GET' });
      expect(down.body.exception).toMatchObject({
        type: 'System.CalloutException',
        message: expect.stringContaining('Unable to tunnel through proxy'),
      });
      const slow = await callout({ endpoint: 'callout:Churn_Radar/slow', method: 'GET', timeoutMs: 200 });
      expect(slow.body.exception).toEqual({ type: 'System.CalloutException', message: 'Read timed out' });

      const tooLong = await admin<ApiError>('POST', '/callouts', {
        endpoint: 'callout:Churn_Radar/x',
        timeoutMs: 120_001,
      });
      expect(tooLong.status).toBe(400);
    });

    it('fails for a user no permission set gives the principal, until one is assigned', async () => {
      const rep = org.addUser({ firstName: 'Rep', lastName: 'Two', email: 'rep.two@callouts.example.com' });
      const refused = await offerCallout({ userId: rep.Id });
      expect(refused.body.exception?.message).toContain(
        `We couldn't access the credential(s). You might not have the required permissions, or the external credential "Churn_Radar" might not exist.`,
      );
      const setId = (await admin<{ packages: { permissionSets: { id: string }[] }[] }>('GET', '/packages'))
        .body.packages[0]!.permissionSets[0]!.id;
      const assigned = await call('POST', `${V}/sobjects/PermissionSetAssignment`, {
        AssigneeId: rep.Id,
        PermissionSetId: setId,
      });
      expect(assigned.status).toBe(201);
      expect((await offerCallout({ userId: rep.Id })).body.statusCode).toBe(202);
    });

    it('fails once the credential is deleted, and works again after it is set', async () => {
      const deleted = await call('DELETE', `${CREDENTIAL}?${principalQuery}`);
      expect(deleted.status).toBe(204);
      expect((await call('GET', `${CREDENTIAL}?${principalQuery}`)).status).toBe(404);
      expect((await call('DELETE', `${CREDENTIAL}?${principalQuery}`)).status).toBe(404);

      const failed = await offerCallout();
      expect(failed.body.exception).toEqual({
        type: 'System.CalloutException',
        message: expect.stringContaining('no credentials set'),
      });

      expect((await call('POST', CREDENTIAL, secretInput(secret))).status).toBe(201);
      arrivals.length = 0;
      expect((await offerCallout()).body.statusCode).toBe(202);
      expect(arrivals[0]!.headers['x-churn-radar-secret']).toBe(secret);
    });

    it('keeps the credential when the package is installed again, with the new URL', async () => {
      const second = createServer((req, res) => {
        arrivals.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: '' });
        req.resume();
        res.writeHead(200, { 'content-type': 'text/plain' }).end('v2');
      });
      const secondUrl = await listen(second);
      try {
        const upgraded = await writeProject(path.join(tmp, 'package-v2'), { url: secondUrl });
        const installed = await admin<{ namedCredentials: { name: string; url: string }[] }>(
          'POST',
          '/packages',
          { projectDir: upgraded },
        );
        expect(installed.status).toBe(201);
        expect(installed.body.namedCredentials).toEqual([expect.objectContaining({ url: secondUrl })]);
        arrivals.length = 0;
        const answer = await callout({ endpoint: 'callout:Churn_Radar/v2?x=1', method: 'GET' });
        expect(answer.body).toMatchObject({ statusCode: 200, status: 'OK', body: 'v2' });
        expect(arrivals[0]).toMatchObject({ url: '/v2?x=1' });
        expect(arrivals[0]!.headers['x-churn-radar-secret']).toBe(secret);
        // The named credential the new version dropped is gone.
        const dropped = await callout({ endpoint: 'callout:Churn_Radar_Down/x', method: 'GET' });
        expect(dropped.body.exception?.message).toContain('"Churn_Radar_Down"');
      } finally {
        await closeServer(second);
      }
    });

    it('logs every callout, newest last, without bodies or secrets', async () => {
      const log = await admin<{ callouts: LogEntry[] }>('GET', '/callouts');
      expect(log.status).toBe(200);
      const entries = log.body.callouts;
      expect(entries.length).toBeGreaterThanOrEqual(10);
      expect(entries[0]).toMatchObject({
        orgId: org.orgId,
        userId: org.adminUser.Id,
        method: 'POST',
        endpoint: `callout:Churn_Radar${ACTION}?attempt=1`,
        namedCredential: 'Churn_Radar',
        url: `${remoteUrl}${ACTION}?attempt=1`,
        statusCode: 202,
        status: 'Accepted',
        exception: null,
      });
      expect(entries.at(-1)).toMatchObject({
        endpoint: 'callout:Churn_Radar_Down/x',
        statusCode: null,
        exception: { type: 'System.CalloutException' },
      });
      expect(entries.find((entry) => entry.endpoint === 'callout:Churn_Radar/slow')).toMatchObject({
        exception: { message: 'Read timed out' },
      });
      const times = entries.map((entry) => Date.parse(entry.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      const text = JSON.stringify(log.body);
      for (const hidden of [secret, rotated, 'discount-20', 'queued']) expect(text).not.toContain(hidden);

      expect((await admin('DELETE', '/callouts')).status).toBe(204);
      expect((await admin<{ callouts: LogEntry[] }>('GET', '/callouts')).body.callouts).toEqual([]);
    });
  });
});
