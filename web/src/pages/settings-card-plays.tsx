/**
 * Who may start plays from the risk card. Where the portal's setting decides (HubSpot): any user of
 * the portal, or only super admins and the roles the admin ticks, from the roles the CRM lists.
 * Where the org decides (Salesforce): what it decides by, in words. Saved on its own, as a change
 * of `cardPlays` alone; any user of the portal may still say a score looks wrong.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type {
  CardPlaysDecision,
  CardPlaysRule,
  PortalRole,
  PortalRolesAnswer,
} from '../../../server/api/contracts/card-plays.js';
import { type ApiError, type Loaded, useApi } from '../api.js';
import { useSession } from '../session.js';
import { Button, Card, ErrorNotice } from '../ui.js';
import { canonical, type Problems, type SettingsAnswer } from './settings-form.js';
import { Choice } from './settings-rules.js';
import { putSettings } from './settings-save.js';

type Who = CardPlaysRule['who'];

/** The most roles one rule names, as the server accepts it. */
const MAX_ROLES = 100;
const TOO_MANY_ROLES = 'Choose up to 100 of the portal’s roles';
const EFFECT =
  'every play is checked against the rule as it is started, and a card already open shows its buttons by the rule once reloaded. A role given or taken away in the CRM counts within a minute.';

function ruleOf(who: Who, roleIds: readonly string[]): CardPlaysRule {
  return who === 'any_user' ? { who } : { who, roleIds: [...roleIds] };
}

/** The rule in a form that compares equal whatever order its roles were ticked in. */
const comparable = (rule: CardPlaysRule) =>
  canonical(rule.who === 'any_user' ? rule : { ...rule, roleIds: [...rule.roleIds].sort() });

/** What to choose instead, by field, in the server's words (server/settings/settings-messages.ts). */
function problemsOf(rule: CardPlaysRule): Problems {
  return rule.who === 'admins_and_roles' && rule.roleIds.length > MAX_ROLES
    ? { cardPlaysRoleIds: TOO_MANY_ROLES }
    : {};
}

/** “Sales Rep”, “Sales Rep” or “View only”, “A”, “B” or “C”. */
function namesOf(names: string[]): string {
  const quoted = names.map((name) => `“${name}”`);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

/** The question asked before a save takes the plays away from users who have them now, or null. */
function restrictionQuestion(
  next: CardPlaysRule,
  saved: CardPlaysRule,
  nameOf: (roleId: string) => string,
): string | null {
  if (next.who === 'any_user') return null;
  const narrower = saved.who === 'any_user' || saved.roleIds.some((id) => !next.roleIds.includes(id));
  if (!narrower) return null;
  const count = next.roleIds.length;
  const who =
    count === 0
      ? 'Only super admins'
      : count > 4
        ? `Only super admins and users with one of the ${count} roles chosen`
        : `Only super admins and users with the role${count === 1 ? '' : 's'} ${namesOf(next.roleIds.map(nameOf))}`;
  return `${who} will be able to start plays from the card; everyone else can still say a score looks wrong. Restrict the plays?`;
}

export function CardPlaysSettings({ path, initial }: { path: string; initial: SettingsAnswer }) {
  const decision = initial.options.cardPlays;
  return (
    <Card title="Plays from the risk card" note="the offer, survey and check-in buttons">
      {decision.by === 'portal_setting' ? (
        <CardPlaysForm path={path} initial={initial.cardPlays} />
      ) : (
        <OrgDecides decision={decision} />
      )}
    </Card>
  );
}

function OrgDecides({
  decision,
}: {
  decision: Extract<CardPlaysDecision, { by: 'salesforce_permissions' }>;
}) {
  return (
    <div data-testid="card-plays-org">
      <p>
        In Salesforce the org decides who may start plays from the card: users with the permission set{' '}
        <code>{decision.permissionSet}</code>, or with any permission set that enables the custom permission{' '}
        <code>{decision.customPermission}</code>. Assign them in Salesforce Setup, under Permission Sets.
      </p>
      <p className="muted">
        Every user who can open the card may still say a score looks wrong. A permission set given or taken
        away in Salesforce counts within a minute.
      </p>
    </div>
  );
}

function CardPlaysForm({ path, initial }: { path: string; initial: CardPlaysRule }) {
  const session = useSession();
  const [saved, setSaved] = useState(initial);
  const [who, setWho] = useState<Who>(initial.who);
  const [roleIds, setRoleIds] = useState<string[]>(initial.who === 'admins_and_roles' ? initial.roleIds : []);
  const [status, setStatus] = useState<'editing' | 'saving' | 'saved' | 'refused' | 'confirm'>('editing');
  const [serverProblems, setServerProblems] = useState<Problems>({});
  const [error, setError] = useState<ApiError | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const roles = useApi<PortalRolesAnswer>(who === 'admins_and_roles' ? `${path}/roles` : null);
  useEffect(() => {
    if (status === 'confirm') confirmButton.current?.focus();
  }, [status]);

  const next = ruleOf(who, roleIds);
  const ownProblems = problemsOf(next);
  const problems: Problems = { ...serverProblems, ...ownProblems };
  const listed = roles.state === 'ready' ? roles.data.roles : [];
  const nameOf = (id: string) => listed.find((role) => role.id === id)?.name ?? `Role ${id}`;
  const question = restrictionQuestion(next, saved, nameOf);

  const edit = (change: { who?: Who; roleIds?: string[] }) => {
    if (change.who) setWho(change.who);
    if (change.roleIds) setRoleIds(change.roleIds);
    setServerProblems({});
    setStatus('editing');
    setError(null);
  };
  const toggle = (roleId: string, on: boolean) =>
    edit({ roleIds: on ? [...roleIds, roleId] : roleIds.filter((id) => id !== roleId) });

  const save = async () => {
    setStatus('saving');
    setError(null);
    const answer = await putSettings(path, session.csrfToken, { cardPlays: next });
    if (!answer.ok) {
      setServerProblems(answer.problems);
      setError(answer.error);
      setStatus('refused');
      return;
    }
    const rule = answer.settings.cardPlays;
    setSaved(rule);
    setWho(rule.who);
    if (rule.who === 'admins_and_roles') setRoleIds(rule.roleIds);
    setStatus('saved');
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (Object.keys(ownProblems).length > 0) {
      setStatus('refused');
      document.querySelector<HTMLInputElement>('input[name="cardPlaysRoleIds"]')?.focus();
      return;
    }
    if (question) {
      setStatus('confirm');
      return;
    }
    void save();
  };

  const invalidCount = Object.keys(problems).length;
  const changed = comparable(next) !== comparable(saved);
  return (
    <form onSubmit={submit} className="stack" aria-label="Who may start plays" noValidate>
      <Choice
        name="cardPlaysWho"
        legend="Who may start plays from the card"
        problem={problems.cardPlaysWho}
        hint="Any user of the portal may still say a score looks wrong."
      >
        {(
          [
            ['any_user', 'Any user of the portal'],
            ['admins_and_roles', 'Super admins and these roles'],
          ] as const
        ).map(([value, label]) => (
          <label key={value}>
            <input
              type="radio"
              name="cardPlaysWho"
              value={value}
              checked={who === value}
              onChange={() => edit({ who: value })}
            />
            {label}
          </label>
        ))}
      </Choice>
      {who === 'admins_and_roles' && (
        <RoleChoice roles={roles} chosen={roleIds} problem={problems.cardPlaysRoleIds} onToggle={toggle} />
      )}
      {status === 'confirm' && question && (
        <div className="notice confirm" role="alertdialog" aria-labelledby="card-plays-question">
          <p id="card-plays-question">{question}</p>
          <div className="row">
            <button ref={confirmButton} type="button" className="button danger" onClick={() => void save()}>
              Restrict the plays
            </button>
            <Button onClick={() => setStatus('editing')}>Keep them as they are</Button>
          </div>
        </div>
      )}
      {status === 'refused' && invalidCount > 0 && (
        <p className="notice error" role="alert">
          Nothing was saved: fix the field marked above.
        </p>
      )}
      {status === 'refused' && invalidCount === 0 && error && <ErrorNotice error={error} />}
      <div className="row settings-save">
        <button
          type="submit"
          className="button primary"
          disabled={status === 'saving'}
          aria-describedby="card-plays-effect"
        >
          Save who may start plays
        </button>
        {status === 'saved' ? (
          <p
            id="card-plays-effect"
            role="status"
            className="settings-effect saved"
            data-testid="card-plays-effect"
          >
            Saved. The new rule takes effect at once: {EFFECT}
          </p>
        ) : (
          <p id="card-plays-effect" className="settings-effect" data-testid="card-plays-effect">
            {status === 'saving'
              ? 'Saving…'
              : `${changed ? 'This change takes' : 'Changes take'} effect at once: ${EFFECT}`}
          </p>
        )}
      </div>
    </form>
  );
}

/** The portal's roles to tick, with those already chosen that the CRM no longer lists. */
function RoleChoice(props: {
  roles: Loaded<PortalRolesAnswer> & { reload: () => void };
  chosen: string[];
  problem: string | undefined;
  onToggle: (roleId: string, on: boolean) => void;
}) {
  const { roles, chosen } = props;
  const listed = roles.state === 'ready' ? roles.data.roles : [];
  const gone = chosen
    .filter((id) => !listed.some((role) => role.id === id))
    .map((id): PortalRole => ({
      id,
      name: roles.state === 'ready' ? `Role ${id} (no longer in the portal)` : `Role ${id}`,
    }));
  const shown = roles.state === 'loading' ? [] : [...listed, ...gone];
  const hint =
    chosen.length === 0
      ? 'None chosen: only super admins will start plays.'
      : 'Super admins may always start them.';
  return (
    <Choice name="cardPlaysRoleIds" legend="Roles that may start plays" problem={props.problem} hint={hint}>
      {roles.state === 'loading' && <p className="muted settings-choice-note">Listing the portal’s roles…</p>}
      {roles.state === 'error' && (
        <div className="notice error settings-choice-note" role="alert">
          <p>The portal’s roles could not be listed. {roles.error.message}</p>
          <Button onClick={roles.reload}>Try again</Button>
        </div>
      )}
      {roles.state === 'ready' && listed.length === 0 && (
        <p className="muted settings-choice-note">The CRM lists no roles for this portal.</p>
      )}
      {shown.length > 0 && (
        <div className="settings-roles">
          {shown.map((role) => (
            <label key={role.id}>
              <input
                type="checkbox"
                name="cardPlaysRoleIds"
                value={role.id}
                checked={chosen.includes(role.id)}
                onChange={(e) => props.onToggle(role.id, e.target.checked)}
              />
              {role.name}
            </label>
          ))}
        </div>
      )}
    </Choice>
  );
}
