import { useEffect, useState, type ReactNode } from 'react';
import { api, setCsrfToken, useApi } from './api.js';
import { JobProgressBanner } from './job-progress.js';
import { documentTitle, PageTitleContext } from './page-title.js';
import { AccountPage } from './pages/account.js';
import { AccountsPage } from './pages/accounts.js';
import { AtRiskPage } from './pages/at-risk.js';
import { ContactPage } from './pages/contact.js';
import { EngagementPage } from './pages/engagement.js';
import { LostPage } from './pages/lost.js';
import { ModelPage } from './pages/model.js';
import { OverviewPage } from './pages/overview.js';
import { ExplorationPage, QualityPage } from './pages/reports.js';
import { RetentionPage } from './pages/retention.js';
import { SettingsPage } from './pages/settings.js';
import { SignInPage } from './pages/sign-in.js';
import { Link, usePath } from './router.js';
import { SessionContext, type SessionInfo } from './session.js';
import { Button, EmptyState, ErrorNotice, Spinner } from './ui.js';

/** Each page: its path, its name in the menu, and what it shows (the document's title). */
const PAGES: { path: string; label: string; title: string; render: () => ReactNode }[] = [
  { path: '/', label: 'Overview', title: 'Churn risk overview', render: () => <OverviewPage /> },
  { path: '/at-risk', label: 'At-risk list', title: 'At-risk customers', render: () => <AtRiskPage /> },
  { path: '/accounts', label: 'Accounts', title: 'Accounts', render: () => <AccountsPage /> },
  { path: '/lost', label: 'Lost customers', title: 'Lost customers', render: () => <LostPage /> },
  {
    path: '/retention',
    label: 'Retention effect',
    title: 'Retention campaign effect',
    render: () => <RetentionPage />,
  },
  {
    path: '/engagement',
    label: 'Engagement & satisfaction',
    title: 'Engagement & satisfaction',
    render: () => <EngagementPage />,
  },
  { path: '/model', label: 'Model', title: 'Churn model health', render: () => <ModelPage /> },
  { path: '/quality', label: 'Data quality', title: 'Data quality report', render: () => <QualityPage /> },
  { path: '/explore', label: 'Exploration', title: 'Data exploration', render: () => <ExplorationPage /> },
  { path: '/settings', label: 'Settings', title: 'Settings', render: () => <SettingsPage /> },
];

function Routed() {
  const { path } = usePath();
  const contact = /^\/contacts\/([A-Za-z0-9_-]+)$/.exec(path);
  if (contact) return <ContactPage contactId={contact[1]!} />;
  const account = /^\/accounts\/([A-Za-z0-9_-]+)$/.exec(path);
  if (account) return <AccountPage companyId={account[1]!} />;
  const page = PAGES.find((p) => p.path === path);
  if (page) return <>{page.render()}</>;
  return (
    <EmptyState title="There is no such page">
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </EmptyState>
  );
}

function Shell({ session }: { session: SessionInfo }) {
  const { path } = usePath();
  // What the page shows: its own words where only it knows them (a contact's name), else the menu's.
  const [shown, setShown] = useState<string | null>(null);
  const page = PAGES.find((p) => p.path === path)?.title;
  const title = shown ?? page ?? (path.startsWith('/contacts/') ? 'Contact' : 'Page not found');
  useEffect(() => {
    document.title = documentTitle(title);
  }, [title]);
  const signOut = async () => {
    await api('/api/v1/session/logout', { method: 'POST' });
    window.location.assign('/app/');
  };
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <span className="brand-dot" aria-hidden="true" />
          Churn Radar
        </div>
        <nav className="nav" aria-label="Dashboard pages">
          {PAGES.map((p) => (
            <Link key={p.path} to={p.path} current={p.path === path}>
              {p.label}
            </Link>
          ))}
        </nav>
        <div className="sidebar-foot">
          <div>{session.portal.name}</div>
          <div>{session.user.email ?? `User ${session.user.id}`}</div>
          <Button onClick={signOut}>Sign out</Button>
        </div>
      </aside>
      <main id="main" className="main" tabIndex={-1}>
        <JobProgressBanner />
        <PageTitleContext.Provider value={setShown}>
          <Routed />
        </PageTitleContext.Provider>
      </main>
    </div>
  );
}

export function App() {
  const session = useApi<SessionInfo | { signedIn: false }>('/api/v1/session');
  const signedOut = session.state === 'ready' && !session.data.signedIn;
  useEffect(() => {
    if (signedOut) document.title = documentTitle('Sign in');
  }, [signedOut]);
  if (session.state === 'loading') return <Spinner label="Opening the dashboard…" />;
  if (session.state === 'error') {
    return (
      <div className="main">
        <ErrorNotice error={session.error} />
      </div>
    );
  }
  if (!session.data.signedIn) return <SignInPage />;
  setCsrfToken(session.data.csrfToken);
  return (
    <SessionContext.Provider value={session.data}>
      <Shell session={session.data} />
    </SessionContext.Provider>
  );
}
