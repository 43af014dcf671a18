/**
 * The demo installs the app in its sandbox portal the way an admin would: it follows the
 * product's install link to the CRM's consent page, approves it, and follows the redirect back
 * to the product's callback.
 */
export async function installInSandbox(productUrl: string, portalId: number): Promise<void> {
  const start = await fetch(`${productUrl}/oauth/install`, { redirect: 'manual' });
  const authorizeUrl = start.headers.get('location');
  if (start.status !== 302 || !authorizeUrl) throw new Error(`the install link answered ${start.status}`);
  const authorize = new URL(authorizeUrl);
  const consent = await fetch(`${authorize.origin}${authorize.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({
      ...Object.fromEntries(authorize.searchParams),
      portalId: String(portalId),
      decision: 'approve',
    }),
  });
  const callbackUrl = consent.headers.get('location');
  if (consent.status !== 302 || !callbackUrl) throw new Error(`the consent page answered ${consent.status}`);
  const callback = await fetch(callbackUrl);
  if (!callback.ok) throw new Error(`the install callback answered ${callback.status}`);
}
