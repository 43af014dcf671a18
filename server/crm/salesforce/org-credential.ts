/**
 * Sets the per-org secret in the org's Churn_Radar External Credential through the Connect REST
 * API (`/named-credentials/credential`), with the installing admin's token. The secret is stored
 * encrypted by Salesforce and added to each callout by the credential; the package cannot carry
 * it. Replaces a secret set before; `package_missing` when the package is not installed yet.
 */
import { CrmRequestError } from '../errors.js';
import type { SalesforceRequester } from './requester.js';
import { EXTERNAL_CREDENTIAL, ORG_PRINCIPAL, SECRET_PARAMETER } from './org-package.js';

export type OrgSecretOutcome = 'set' | 'package_missing';

const isNotFound = (error: unknown) => error instanceof CrmRequestError && error.category === 'NOT_FOUND';

export async function setSalesforceOrgSecret(
  requester: SalesforceRequester,
  portalId: number,
  secret: string,
): Promise<OrgSecretOutcome> {
  const url = `/services/data/v${requester.apiVersion}/named-credentials/credential`;
  const principal = {
    externalCredential: EXTERNAL_CREDENTIAL,
    principalName: ORG_PRINCIPAL,
    principalType: 'NamedPrincipal',
  };
  const body = JSON.stringify({
    ...principal,
    authenticationProtocol: 'Custom',
    credentials: { [SECRET_PARAMETER]: { value: secret, encrypted: true } },
  });
  const send = (method: 'POST' | 'PUT') =>
    requester.call(portalId, (conn) =>
      conn.request({ method, url, body, headers: { 'content-type': 'application/json' } }),
    );

  let exists: boolean;
  try {
    await requester.call(portalId, (conn) =>
      conn.request({ method: 'GET', url: `${url}?${new URLSearchParams(principal)}` }),
    );
    exists = true;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    exists = false;
  }
  try {
    await send(exists ? 'PUT' : 'POST');
    return 'set';
  } catch (error) {
    if (!isNotFound(error)) throw error;
    if (!exists) return 'package_missing';
    // Deleted between the two calls: create it.
    try {
      await send('POST');
      return 'set';
    } catch (again) {
      if (isNotFound(again)) return 'package_missing';
      throw again;
    }
  }
}
