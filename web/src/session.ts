import { createContext, useContext } from 'react';

export interface SessionInfo {
  signedIn: true;
  portal: { id: number; hubId: string; name: string; domain: string | null };
  user: { id: string; email: string | null };
  csrfToken: string;
  expiresAt: string;
}

export const SessionContext = createContext<SessionInfo | null>(null);

export function useSession(): SessionInfo {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in page');
  return session;
}

/** The API path of the signed-in portal: `/api/v1/portals/7/overview`. */
export function usePortalPath(rest: string): string {
  return `/api/v1/portals/${useSession().portal.id}/${rest}`;
}
