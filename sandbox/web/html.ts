/**
 * Server-rendered HTML for the sandbox's read-only view: a tagged template that escapes every
 * interpolated value unless it is already `SafeHtml`, and the page layout. No scripts anywhere:
 * the pages are sent with a Content-Security-Policy that forbids them.
 */

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

type Interpolation = SafeHtml | string | number | boolean | null | undefined | Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

/** `markup\`<p>${userText}</p>\`` escapes userText; nested `markup` results pass through. */
export function markup(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => {
    out += render(value) + strings[index + 1]!;
  });
  return new SafeHtml(out);
}

export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'";

const STYLES = `
  :root { --ink: #1f2933; --muted: #616e7c; --line: #e4e7eb; --bg: #f5f7fa; --accent: #0b6e99; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
  header { background: #fff; border-bottom: 1px solid var(--line); padding: 12px 24px; display: flex; gap: 16px; align-items: baseline; }
  header strong { font-size: 16px; }
  header nav a { color: var(--muted); margin-right: 8px; }
  main { max-width: 1200px; margin: 0 auto; padding: 24px; }
  h1 { font-size: 22px; margin: 0 0 16px; }
  h2 { font-size: 16px; margin: 24px 0 8px; }
  a { color: var(--accent); text-decoration: none; }
  a:hover { text-decoration: underline; }
  table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
  th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { background: #fafbfc; color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .muted { color: var(--muted); }
  .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px; margin-bottom: 16px; }
  .risk { border-left: 4px solid var(--accent); }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: var(--line); }
  .tier-high { background: #fde2e1; color: #a61b1b; }
  .tier-medium { background: #fff3c4; color: #8a6100; }
  .tier-low { background: #d9f2e3; color: #1d6b3f; }
  .written-back td { background: #f0f7fb; }
  form.search { display: flex; gap: 8px; margin-bottom: 12px; }
  form.search input { flex: 1; max-width: 360px; padding: 6px 10px; border: 1px solid var(--line); border-radius: 4px; }
  form.search button { padding: 6px 14px; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; }
  .pager { margin: 12px 0; display: flex; gap: 12px; align-items: center; }
  .kind { font-size: 12px; font-weight: 600; text-transform: uppercase; color: var(--muted); width: 90px; }
  .snippet { color: var(--muted); white-space: pre-wrap; }
`;

export function layout(
  title: string,
  body: SafeHtml,
  crumbs: { label: string; href: string }[] = [],
): string {
  return markup`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · CRM sandbox</title>
        <style>
          ${new SafeHtml(STYLES)}
        </style>
      </head>
      <body>
        <header>
          <strong>CRM sandbox</strong>
          <nav>${crumbs.map((c) => markup`<a href="${c.href}">${c.label}</a> / `)}</nav>
        </header>
        <main>${body}</main>
      </body>
    </html>`.value;
}

/** A tier value as a coloured badge (`low`, `medium`, `high`; anything else plain). */
export function tierBadge(tier: string | null | undefined): SafeHtml {
  if (!tier) return markup`<span class="muted">–</span>`;
  const known = ['low', 'medium', 'high'].includes(tier) ? ` tier-${tier}` : '';
  return markup`<span class="badge${new SafeHtml(known)}">${tier}</span>`;
}
