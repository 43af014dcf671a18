import { useEffect, type ReactNode } from 'react';
import { api, setCsrfToken, useApi } from './api.js';
import { JobProgressBanner } from './job-progress.js';
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

const PAGES: { path: string; label: string; render: () => ReactNode }[] = [
  { path: '/', label: 'Overview', render: () => <OverviewPage /> },
  { path: '/at-risk', label: 'At-risk list', render: () => <AtRiskPage /> },
  { path: '/lost', label: 'Lost customers', render: () => <LostPage /> },
  { path: '/retention', label: 'Retention effect', render: () => <RetentionPage /> },
  { path: '/engagement', label: 'Engagement & satisfaction', render: () => <EngagementPage /> },
  { path: '/model', label: 'Model', render: () => <ModelPage /> },
  { path: '/quality', label: 'Data quality', render: () => <QualityPage /> },
  { path: '/explore', label: 'Exploration', render: () => <ExplorationPage /> },
  { path: '/settings', label: 'Settings', render: () => <SettingsPage /> },
];

function Routed() {
  const { path } = usePath();
  const contact = /^\/contacts\/([A-Za-z0-9_-]+)$/.exec(path);
  if (contact) return <ContactPage contactId={contact[1]!} />;
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
  const current = PAGES.find((p) => p.path === path)?.label;
  useEffect(() => {
    document.title = `${current ?? 'Churn Radar'} · ${session.portal.name}`;
  }, [current, session.portal.name]);
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
        <Routed />
      </main>
    </div>
  );
}

export function App() {
  const session = useApi<SessionInfo | { signedIn: false }>('/api/v1/session');
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
