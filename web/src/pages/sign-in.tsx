export function SignInPage() {
  const denied = new URLSearchParams(window.location.search).get('signin') === 'denied';
  return (
    <main className="sign-in">
      <div className="card">
        <div className="brand" style={{ justifyContent: 'center' }}>
          <span className="brand-dot" aria-hidden="true" />
          Churn Radar
        </div>
        <h1>Sign in</h1>
        <p className="muted">
          Use your CRM account. You see the portals where Churn Radar is installed and you are a user.
        </p>
        {denied && (
          <p className="notice error" role="alert">
            The CRM did not grant the sign-in.
          </p>
        )}
        <a className="button primary" href="/app/login">
          Sign in with HubSpot
        </a>
      </div>
    </main>
  );
}
