/** The few pages an admin sees during install: plain HTML, escaped, readable on any screen. */

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;background:#f5f7fa;margin:0}
main{max-width:36rem;margin:4rem auto;background:#fff;border-radius:12px;padding:2rem 2.5rem;box-shadow:0 2px 12px #0001}
h1{font-size:1.5rem;margin:0 0 1rem}.ok{color:#0b7a43}.bad{color:#b42318}ol{padding-left:1.2rem}
a.button{display:inline-block;margin-top:1rem;background:#ff7a59;color:#fff;padding:.6rem 1.2rem;border-radius:6px;text-decoration:none}`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Churn Radar</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function installedPage(input: { portalName: string; dashboardUrl: string }): string {
  return page(
    'Installed',
    `<h1 class="ok">Churn Radar is installed in ${escapeHtml(input.portalName)}</h1>
<p>What happens next:</p>
<ol>
<li>We add a <b>Churn risk</b> property group to your contacts, with the score, tier and reasons.</li>
<li>The first sync copies contacts, emails, tickets, deals and feedback. Large portals take a while; the dashboard shows progress.</li>
<li>Every contact gets a first score, written back to its record; then weekly, and whenever something relevant changes.</li>
</ol>
<p>Add the <b>Churn risk</b> card to the contact record (Customize record → Card library) so advisors see it.</p>
<a class="button" href="${escapeHtml(input.dashboardUrl)}">Open the dashboard</a>`,
  );
}

export function installFailedPage(reason: string, retryUrl: string): string {
  return page(
    'Install failed',
    `<h1 class="bad">The install did not complete</h1><p>${escapeHtml(reason)}</p><p>Nothing was changed.</p>
<a class="button" href="${escapeHtml(retryUrl)}">Start the install again</a>`,
  );
}

/** A dashboard sign-in that did not finish, with the reason and a link to start it again. */
export function signInFailedPage(reason: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign-in failed · Churn Radar</title>
<style>body{font:16px/1.5 system-ui,sans-serif;color:#1f2933;background:#f5f7fa;margin:0}main{max-width:32rem;margin:4rem auto;background:#fff;border-radius:12px;padding:2rem;box-shadow:0 2px 12px #0001}h1{font-size:1.4rem;color:#b42318}a{color:#0b5cad}</style></head>
<body><main><h1>You are not signed in</h1><p>${escapeHtml(reason)}</p><p><a href="/app/login">Try again</a></p></main></body></html>`;
}
