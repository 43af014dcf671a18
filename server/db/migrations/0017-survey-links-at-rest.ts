import { createHash } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import type { MigrationSecrets } from '../migrate.js';

/**
 * Survey links at rest. A feedback request used to store its survey link, the token in clear, in
 * the action's outputs (`retention_actions.outputs.survey_url`): whoever read the database (a
 * backup, a replica, a support query) could open and answer a customer's survey. New links are
 * derived from the server's key and only their hash is stored; this moves the old ones out of the
 * clear.
 *
 * What people rely on stays. The customer's link still opens and takes one answer: its hash is in
 * `survey_requests`, untouched. A replayed workflow call for such an action still answers the same
 * `survey_url`, yet an old token was random and cannot be derived again, so it is kept, encrypted
 * the way OAuth tokens are (AES-256-GCM, a fresh IV, bound to its portal and action), under a key
 * derived from TOKEN_ENCRYPTION_KEY for survey links, in `survey_requests.token_enc` beside its
 * hash. Only the token is kept: a replay rebuilds the link on the server's public address, as it
 * does for every link, decrypting the token only then. The link is then removed from the outputs.
 * A link whose hash no request holds (its request erased with its contact) opens nothing and is
 * dropped rather than kept.
 *
 * Encrypting needs the server's key, which the database does not hold: the process opening the
 * database passes it in. With clear links to move and no key, the migration fails, names
 * TOKEN_ENCRYPTION_KEY and changes nothing.
 */
export function surveyLinksAtRest(secrets: MigrationSecrets | undefined): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('survey_requests').addColumn('token_enc', 'text').execute();
      const { rows } = await sql<ClearLink>`
        select a.id as action_id, a.portal_id, a.outputs->>'survey_url' as survey_url,
          r.id as request_id, r.token_hash
        from retention_actions a
        left join survey_requests r on r.retention_action_id = a.id and r.portal_id = a.portal_id
        where a.outputs->>'survey_url' is not null
        order by a.id`.execute(db);
      if (rows.length === 0) return;
      if (!secrets) {
        throw new Error(
          `${rows.length} survey links are stored in clear and are encrypted here with the server's key (TOKEN_ENCRYPTION_KEY), which was not given: start \`churn serve\` or \`churn work\` once to migrate.`,
        );
      }
      for (const link of rows) {
        const token = tokenOf(link.survey_url);
        if (link.request_id === null || token === undefined || sha256(token) !== link.token_hash) continue;
        await sql`update survey_requests
          set token_enc = ${secrets.sealSurveyToken(token, Number(link.portal_id), Number(link.action_id))}
          where id = ${link.request_id}`.execute(db);
      }
      await sql`update retention_actions set outputs = outputs - 'survey_url'
        where outputs->>'survey_url' is not null`.execute(db);
    },
  };
}

interface ClearLink {
  action_id: number | string;
  portal_id: number | string;
  survey_url: string;
  request_id: number | string | null;
  token_hash: string | null;
}

/** The token of a link as the product made them: `<public URL>/s/<token>`. */
function tokenOf(surveyUrl: string): string | undefined {
  return /\/s\/([A-Za-z0-9_-]{32})$/.exec(surveyUrl)?.[1];
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
