/** Who a contact is and what they wrote lately: the contact view's facts, under any state. */
import type { ContactRiskView } from '../../../server/api/cards/contact-risk-view.js';
import type {
  ContactDetail,
  ContactEmail,
  ContactTicket,
} from '../../../server/api/dashboard/contact-detail.js';
import type { Tone } from '../../../server/scoring/reason-text.js';
import { formatDate, formatDay } from '../format.js';
import { Card, OwnerName, Tag } from '../ui.js';

interface FactsProps {
  customer: ContactRiskView['customer'];
  email: string | null;
  detail: ContactDetail | null;
}

function customerStatus(
  customer: ContactRiskView['customer'],
  stage: ContactDetail['stage'] | undefined,
): string {
  // Before a run stores the contact's status, the CRM's stage says as much as is known.
  if (!customer) return stage?.kind === 'customer' ? 'Customer' : 'Not known yet';
  if (customer.status === 'prospect') return 'Not a customer yet';
  if (customer.status === 'churned')
    return customer.leftOn ? `Former customer, left on ${formatDay(customer.leftOn)}` : 'Former customer';
  return customer.since ? `Active customer since ${formatDay(customer.since)}` : 'Active customer';
}

function AboutCard({ customer, email, detail }: FactsProps) {
  return (
    <Card title="About">
      <dl className="facts" data-testid="contact-facts">
        <div>
          <dt>Company</dt>
          <dd data-testid="contact-company">
            {detail?.company ? (
              detail.company.crmUrl ? (
                <a href={detail.company.crmUrl} target="_blank" rel="noreferrer">
                  {detail.company.name} ↗
                </a>
              ) : (
                detail.company.name
              )
            ) : (
              <span className="muted">No company</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Customer status</dt>
          <dd>{customerStatus(customer, detail?.stage)}</dd>
        </div>
        <div>
          <dt>Lifecycle stage in the CRM</dt>
          <dd>{detail?.stage.label ?? <span className="muted">Not set</span>}</dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd data-testid="contact-owner">
            {detail?.owner ? (
              <OwnerName name={detail.owner.name ?? detail.owner.label} left={detail.owner.left} />
            ) : (
              <span className="muted">No owner</span>
            )}
          </dd>
        </div>
        {email && (
          <div>
            <dt>Email</dt>
            <dd className="break">{email}</dd>
          </div>
        )}
      </dl>
    </Card>
  );
}

const TONE_TAGS: Record<Tone, 'high' | 'medium' | 'neutral' | 'low'> = {
  angry: 'high',
  unhappy: 'medium',
  neutral: 'neutral',
  positive: 'low',
};

function ToneTag({ tone }: { tone: Tone | null }) {
  if (!tone) return null;
  return <Tag tone={TONE_TAGS[tone]}>{tone}</Tag>;
}

function TicketsCard({ tickets }: { tickets: ContactTicket[] }) {
  return (
    <Card title="Recent tickets" note={tickets.length > 0 ? `latest ${tickets.length}` : undefined}>
      {tickets.length === 0 ? (
        <p className="muted">No support tickets.</p>
      ) : (
        <ul className="activity" data-testid="contact-tickets">
          {tickets.map((t) => (
            <li key={t.id}>
              <div className="activity-title">{t.subject ?? '(no subject)'}</div>
              <div className="activity-meta">
                <Tag tone={t.status === 'open' ? 'medium' : 'neutral'}>{t.status}</Tag>
                {t.priority && <span>{t.priority} priority</span>}
                <span>opened {formatDate(t.openedAt)}</span>
                <ToneTag tone={t.tone} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function EmailsCard({ emails }: { emails: ContactEmail[] }) {
  return (
    <Card title="Recent emails" note={emails.length > 0 ? `latest ${emails.length}` : undefined}>
      {emails.length === 0 ? (
        <p className="muted">No emails.</p>
      ) : (
        <ul className="activity" data-testid="contact-emails">
          {emails.map((e) => (
            <li key={e.id}>
              <div className="activity-title">{e.subject ?? '(no subject)'}</div>
              <div className="activity-meta">
                <span>
                  {e.direction === 'inbound'
                    ? '← From them'
                    : e.direction === 'outbound'
                      ? '→ To them'
                      : 'Email'}
                </span>
                <span>{formatDate(e.sentAt)}</span>
                <ToneTag tone={e.tone} />
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** What the contact view shows under any state: who they are, and their latest tickets and emails. */
export function ContactFacts(props: FactsProps) {
  return (
    <>
      <AboutCard {...props} />
      <div className="grid two">
        <TicketsCard tickets={props.detail?.tickets ?? []} />
        <EmailsCard emails={props.detail?.emails ?? []} />
      </div>
    </>
  );
}
