/**
 * The portal's sales team: six to eight owners drawn from the seed, the portal's admin user among
 * them (so whoever signs in as the admin has accounts of their own), and one colleague who left
 * before the history (an archived owner, who owns nothing any more). Each company, or each
 * consumer, is assigned one of the team, whom its contact, deals and tickets name in
 * `hubspot_owner_id`; some of the team leave during the history (owner-departures.ts). In the
 * users API the admin is the super admin, each colleague holds their team's role, and the last one
 * holds only the view-only role.
 */
import { DEFAULT_ROLES, type OwnerTeam, type PortalData } from '../store.js';
import { personName, workEmail, type Person } from './names.js';
import { hashSeed, Random } from './random.js';

const TEAMS = ['Account Management', 'Customer Success'] as const;
/** Each team's role in the users API; the last colleague of the team only looks (a view-only seat). */
const TEAM_ROLES = [DEFAULT_ROLES.sales.id, DEFAULT_ROLES.success.id] as const;
/** HubSpot's team ids are numbers as strings. */
const TEAM_ID_BASE = 178_500;

export interface GeneratedOwners {
  /** The team's ids as the history starts, the admin's first; records are shared among them. */
  ids: readonly string[];
  /** The owner first assigned the company (`kind: 'company'`) or consumer contact with this index. */
  ownerOf(kind: 'company' | 'consumer', index: number): string;
}

function distinctPeople(rng: Random, count: number): Person[] {
  const people: Person[] = [];
  const seen = new Set<string>();
  while (people.length < count) {
    const person = personName(rng);
    const key = `${person.firstname} ${person.lastname}`;
    if (seen.has(key)) continue;
    seen.add(key);
    people.push(person);
  }
  return people;
}

/**
 * Names the admin and adds the rest of the team to `portal`, dated from `since` (the start of the
 * simulated history) and last changed at `end`. The same seed gives the same team and assignment.
 */
export function generateOwners(
  portal: PortalData,
  rng: Random,
  streamSeed: number[],
  since: Date,
  end: Date,
): GeneratedOwners {
  const active = rng.int(6, 8);
  const people = distinctPeople(rng, active + 1);
  const team = (index: number): OwnerTeam[] => [
    { id: String(TEAM_ID_BASE + (index % TEAMS.length)), name: TEAMS[index % TEAMS.length]!, primary: true },
  ];
  const personOf = (index: number) => ({
    firstName: people[index]!.firstname,
    lastName: people[index]!.lastname,
    email: workEmail(people[index]!, portal.domain),
    teams: team(index),
    roleIds: [index === active - 1 ? DEFAULT_ROLES.viewer.id : TEAM_ROLES[index % TEAM_ROLES.length]!],
  });
  const admin = portal.adminOwner;
  Object.assign(admin, personOf(0), { createdAt: since, updatedAt: end });
  const ids = [admin.id];
  for (let index = 1; index < active; index++) {
    const owner = portal.addOwner(personOf(index), since);
    owner.updatedAt = end;
    ids.push(owner.id);
  }
  const former = portal.addOwner({ ...personOf(active), archived: true }, since);
  former.updatedAt = end;
  return {
    ids,
    // A hash rather than a draw: the owners never change who churns, nor any other stream.
    ownerOf: (kind, index) => ids[hashSeed(...streamSeed, kind === 'company' ? 0 : 1, index) % ids.length]!,
  };
}
