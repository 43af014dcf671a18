/**
 * An access token for an org of the Salesforce sandbox, issued by its test endpoint as if the
 * connected app's OAuth flow had run: for the app, as the org's admin or as the user named.
 */
export async function orgAccessToken(
  instanceUrl: string,
  orgId: string,
  clientId: string,
  userId?: string,
): Promise<string> {
  const response = await fetch(`${instanceUrl}/_sandbox/salesforce/orgs/${orgId}/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ clientId, ...(userId ? { userId } : {}) }),
  });
  if (!response.ok)
    throw new Error(`The sandbox issued no token: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
