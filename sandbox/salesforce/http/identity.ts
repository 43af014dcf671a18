/**
 * The identity service, `GET /id/{orgId}/{userId}`: who the token's user is and where the org's
 * APIs live (`urls.rest` and friends, with Salesforce's literal `{version}` placeholder). The
 * token comes as `Authorization: Bearer …` or `?oauth_token=…`; a missing, expired or revoked
 * token, or one of another user, gets 403 `Bad_OAuth_Token` / `Bad_Id` as Salesforce answers.
 */
import express, { type Request, type Response } from 'express';
import type { ApiSession, SalesforceAuth } from '../auth.js';
import { bearerToken } from './guard.js';

function identity(auth: SalesforceAuth, session: ApiSession): Record<string, unknown> {
  const { org, user } = session;
  const instance = auth.origins.instanceUrl;
  const data = `${instance}/services/data/v{version}`;
  const [firstName, ...lastNames] = user.Name.split(' ');
  return {
    id: auth.idUrl(org.orgId, user.Id),
    asserted_user: true,
    user_id: user.Id,
    organization_id: org.orgId,
    username: user.Username,
    nick_name: user.Username.split('@')[0] ?? user.Username,
    display_name: user.Name,
    email: user.Email,
    email_verified: true,
    first_name: lastNames.length ? (firstName ?? null) : null,
    last_name: lastNames.length ? lastNames.join(' ') : user.Name,
    timezone: 'GMT',
    photos: { picture: `${instance}/profilephoto/005/F`, thumbnail: `${instance}/profilephoto/005/T` },
    status: { created_date: null, body: null },
    urls: {
      enterprise: `${instance}/services/Soap/c/{version}/${org.orgId}`,
      metadata: `${instance}/services/Soap/m/{version}/${org.orgId}`,
      partner: `${instance}/services/Soap/u/{version}/${org.orgId}`,
      rest: `${data}/`,
      sobjects: `${data}/sobjects/`,
      search: `${data}/search/`,
      query: `${data}/query/`,
      recent: `${data}/recent/`,
      tooling_soap: `${instance}/services/Soap/T/{version}/${org.orgId}`,
      tooling_rest: `${data}/tooling/`,
      profile: `${instance}/${user.Id}`,
      feeds: `${data}/chatter/feeds`,
      groups: `${data}/chatter/groups`,
      users: `${data}/chatter/users`,
      feed_items: `${data}/chatter/feed-items`,
      feed_elements: `${data}/chatter/feed-elements`,
      custom_domain: instance,
    },
    active: user.IsActive,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: 0,
    last_modified_date: '2026-01-01T00:00:00Z',
    is_app_installed: true,
  };
}

function tokenOf(req: Request): string | undefined {
  const fromQuery = req.query.oauth_token;
  return bearerToken(req) ?? (typeof fromQuery === 'string' ? fromQuery : undefined);
}

export function createIdentityRouter(auth: SalesforceAuth): express.Router {
  const router = express.Router();
  router.get('/id/:orgId/:userId', (req: Request, res: Response) => {
    const token = tokenOf(req);
    const session = token ? auth.session(token) : undefined;
    if (!session) {
      res.status(403).type('text/plain').send('Bad_OAuth_Token');
      return;
    }
    const orgMatches = session.org.orgId.slice(0, 15) === String(req.params.orgId).slice(0, 15);
    const userMatches = session.user.Id.slice(0, 15) === String(req.params.userId).slice(0, 15);
    if (!orgMatches || !userMatches) {
      res.status(403).type('text/plain').send('Bad_Id');
      return;
    }
    res.json(identity(auth, session));
  });
  return router;
}
