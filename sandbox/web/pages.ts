/**
 * The read-only pages: the portals, a portal's contacts (paged, searchable by email) and one
 * contact with every property and its timeline. Properties written by an app (the `churn_risk_*`
 * group) are shown first and highlighted, since seeing them is what this view is for.
 */
import type { CrmRecord, PortalData, SandboxStore } from '../store.js';
import { layout, markup, tierBadge, type SafeHtml } from './html.js';
import type { TimelineEntry } from './timeline.js';

export const UI_BASE = '/_sandbox/ui';
const RISK_PREFIX = 'churn_risk_';
const RISK_ORDER = [
  'churn_risk_score',
  'churn_risk_tier',
  'churn_risk_reasons',
  'churn_risk_updated_at',
  'churn_risk_model',
];

const portalHref = (portalId: number) => `${UI_BASE}/portals/${portalId}/contacts`;
const contactHref = (portalId: number, id: string) => `${portalHref(portalId)}/${encodeURIComponent(id)}`;

function riskNames(names: Iterable<string>): string[] {
  const rank = (name: string) => (RISK_ORDER.includes(name) ? RISK_ORDER.indexOf(name) : RISK_ORDER.length);
  return [...new Set([...names].filter((name) => name.startsWith(RISK_PREFIX)))].sort(
    (a, b) => rank(a) - rank(b) || a.localeCompare(b),
  );
}

function riskValue(name: string, value: string | null | undefined): SafeHtml {
  if (name === 'churn_risk_tier') return tierBadge(value);
  return markup`${value ?? ''}`;
}

function fullName(record: CrmRecord): string {
  return [record.properties.firstname, record.properties.lastname].filter(Boolean).join(' ');
}

export function portalsPage(store: SandboxStore): string {
  const rows = [...store.portals.values()].map((portal) => {
    let contacts = 0;
    for (const record of portal.recordsOf('contacts').values()) if (!record.archived) contacts += 1;
    const apps = store.installedApps(portal.portalId).map((app) => app.appId);
    return markup`<tr>
      <td><a href="${portalHref(portal.portalId)}">${portal.portalId}</a></td>
      <td>${portal.domain}</td>
      <td class="num">${contacts.toLocaleString('en-US')}</td>
      <td>${apps.length > 0 ? apps.join(', ') : markup`<span class="muted">none</span>`}</td>
    </tr>`;
  });
  return layout(
    'Portals',
    markup`<h1>Portals</h1>
      <table>
        <thead>
          <tr>
            <th>Portal</th>
            <th>Domain</th>
            <th>Contacts</th>
            <th>Installed apps</th>
          </tr>
        </thead>
        <tbody>
          ${
            rows.length > 0
              ? rows
              : markup`<tr>
                  <td colspan="4" class="muted">No portals.</td>
                </tr>`
          }
        </tbody>
      </table>`,
  );
}

export interface ContactsQuery {
  q: string;
  page: number;
  pageSize: number;
}

export function contactsPage(portal: PortalData, query: ContactsQuery): string {
  const needle = query.q.trim().toLowerCase();
  const matching: CrmRecord[] = [];
  for (const record of portal.recordsOf('contacts').values()) {
    if (record.archived) continue;
    if (needle && !(record.properties.email ?? '').toLowerCase().includes(needle)) continue;
    matching.push(record);
  }
  const pages = Math.max(1, Math.ceil(matching.length / query.pageSize));
  const page = Math.min(query.page, pages);
  const shown = matching.slice((page - 1) * query.pageSize, page * query.pageSize);
  const riskColumns = riskNames([
    ...portal.properties.get('contacts')!.keys(),
    ...shown.flatMap((record) => Object.keys(record.properties)),
  ]);
  const pageHref = (n: number) =>
    `${portalHref(portal.portalId)}?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), page: String(n) })}`;

  const rows = shown.map(
    (record) =>
      markup`<tr>
        <td><a href="${contactHref(portal.portalId, record.id)}">${record.id}</a></td>
        <td>${record.properties.email ?? ''}</td>
        <td>${fullName(record)}</td>
        <td>${record.properties.lifecyclestage ?? ''}</td>
        ${riskColumns.map((name) => markup`<td>${riskValue(name, record.properties[name])}</td>`)}
      </tr>`,
  );
  return layout(
    `Contacts · portal ${portal.portalId}`,
    markup`<h1>Contacts <span class="muted">portal ${portal.portalId}</span></h1>
      <form class="search" method="get" action="${portalHref(portal.portalId)}">
        <input
          type="search"
          name="q"
          value="${query.q}"
          placeholder="Search by email"
          aria-label="Search by email"
        />
        <button type="submit">Search</button>
      </form>
      <p class="muted">
        ${matching.length.toLocaleString('en-US')}
        contact${matching.length === 1 ? '' : 's'}${needle ? markup` matching “${query.q}”` : ''}
      </p>
      <table>
        <thead>
          <tr>
            <th>ID</th>
            <th>Email</th>
            <th>Name</th>
            <th>Lifecycle stage</th>
            ${riskColumns.map((name) => markup`<th>${name}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${
            rows.length > 0
              ? rows
              : markup`<tr>
                  <td colspan="${4 + riskColumns.length}" class="muted">No contacts.</td>
                </tr>`
          }
        </tbody>
      </table>
      <div class="pager">
        ${page > 1 ? markup`<a href="${pageHref(page - 1)}" rel="prev">← Previous</a>` : ''}
        <span class="muted">Page ${page} of ${pages}</span>
        ${page < pages ? markup`<a href="${pageHref(page + 1)}" rel="next">Next →</a>` : ''}
      </div>`,
    [
      { label: 'Portals', href: UI_BASE },
      { label: `Portal ${portal.portalId}`, href: portalHref(portal.portalId) },
    ],
  );
}

const TIMELINE_LIMIT = 300;

function timelineRows(entries: TimelineEntry[]): SafeHtml[] {
  return entries.slice(0, TIMELINE_LIMIT).map((entry) => {
    const details =
      entry.details.length > 0 ? markup`<span class="muted">· ${entry.details.join(' · ')}</span>` : '';
    const snippet = entry.snippet ? markup`<div class="snippet">${entry.snippet}</div>` : '';
    return markup`<tr>
      <td>${entry.at.toISOString().slice(0, 16).replace('T', ' ')}</td>
      <td class="kind">${entry.kind}</td>
      <td><strong>${entry.title}</strong> ${details}${snippet}</td>
    </tr>`;
  });
}

export function contactPage(portal: PortalData, record: CrmRecord, timeline: TimelineEntry[]): string {
  const names = Object.keys(record.properties);
  const risk = riskNames(names);
  const others = names.filter((name) => !name.startsWith(RISK_PREFIX)).sort();
  const propertyRow = (name: string, highlight: boolean) =>
    markup`<tr class="${highlight ? 'written-back' : ''}">
      <th scope="row">${name}</th>
      <td>${riskValue(name, record.properties[name])}</td>
    </tr>`;
  const title = fullName(record) || record.properties.email || `Contact ${record.id}`;

  return layout(
    title,
    markup`<h1>${title} <span class="muted">${record.properties.email ?? ''}</span></h1>
      ${
        risk.length > 0
          ? markup`<div class="card risk">
              <h2>Churn risk (written by the app)</h2>
              <table>
                <tbody>
                  ${risk.map((name) => propertyRow(name, true))}
                </tbody>
              </table>
            </div>`
          : markup`<div class="card muted">No churn risk properties on this contact yet.</div>`
      }
      <h2>Timeline</h2>
      ${
        timeline.length > 0
          ? markup`<table>
                <thead>
                  <tr>
                    <th>When (UTC)</th>
                    <th>What</th>
                    <th>Details</th>
                  </tr>
                </thead>
                <tbody>
                  ${timelineRows(timeline)}
                </tbody>
              </table>
              ${timeline.length > TIMELINE_LIMIT ? markup`<p class="muted">Showing the latest ${TIMELINE_LIMIT} of ${timeline.length} entries.</p>` : ''}`
          : markup`<p class="muted">No emails, tickets, deals, feedback or usage for this contact.</p>`
      }
      <h2>All properties</h2>
      <table>
        <tbody>
          ${[...risk.map((name) => propertyRow(name, true)), ...others.map((name) => propertyRow(name, false))]}
        </tbody>
      </table>`,
    [
      { label: 'Portals', href: UI_BASE },
      { label: `Portal ${portal.portalId}`, href: portalHref(portal.portalId) },
    ],
  );
}
