import { beforeEach, describe, expect, it, jest } from '@jest/globals';
import {
  Alert,
  Button,
  DescriptionListItem,
  EmptyState,
  ErrorState,
  LineChart,
  LoadingSpinner,
  StatisticsItem,
  StatisticsTrend,
  Tag,
  Text,
  type CrmContext,
} from '@hubspot/ui-extensions';
import { createRenderer } from '@hubspot/ui-extensions/testing';
import { RiskCard } from '../../app/cards/RiskCard.js';
import { RiskSidebarCard } from '../../app/cards/RiskSidebarCard.js';
import { churned, prospect, scored } from './contact-risk-answers.js';
import { waitUntil } from '../support/processes.js';

// hubspot.fetch calls the host's `self.hsFetch`: the host boundary is all that is stubbed here.
type HsFetch = (
  url: string,
  options?: { method?: string; body?: Record<string, unknown> },
) => Promise<unknown>;
const hsFetch = jest.fn<HsFetch>();
Object.assign(globalThis, { self: globalThis, hsFetch });

const answer = (status: number, body: unknown) =>
  Promise.resolve({ ok: status >= 200 && status < 300, status, json: async () => body });

function renderCard(permissions: string[] = ['integrations-management-write']) {
  const renderer = createRenderer('crm.record.tab');
  const context: CrmContext = {
    ...renderer.mocks.context,
    user: { ...renderer.mocks.context.user, permissions: permissions as CrmContext['user']['permissions'] },
  };
  renderer.render(<RiskCard context={context} actions={renderer.mocks.actions} />);
  return renderer;
}

/** The reasons as the advisor reads them, in order. */
const reasonTexts = (renderer: { findAll: ReturnType<typeof createRenderer>['findAll'] }) =>
  renderer
    .findAll(Text)
    .filter((t) => String(t.props.testId ?? '').startsWith('reason-'))
    .map((t) => t.text);

const loaded = (renderer: ReturnType<typeof renderCard>) =>
  renderer.waitFor(() => expect(renderer.maybeFind(LoadingSpinner)).toBeNull());

beforeEach(() => {
  hsFetch.mockReset();
});

describe('the risk card', () => {
  it('shows a spinner while the risk loads, asking for this record’s contact', async () => {
    hsFetch.mockReturnValue(new Promise(() => {}));
    const renderer = renderCard();
    expect(renderer.find(LoadingSpinner).props.label).toBe('Loading churn risk');
    // However long the card takes to ask (a busy machine only delays it), it asks once and keeps
    // the spinner while the answer is out.
    await waitUntil(() => hsFetch.mock.calls.length > 0);
    expect(hsFetch).toHaveBeenCalledTimes(1);
    expect(renderer.find(LoadingSpinner).props.label).toBe('Loading churn risk');
    const [url, options] = hsFetch.mock.calls[0]!;
    expect(url).toMatch(/\/api\/v1\/cards\/contact-risk\?contactId=123$/);
    expect(options?.method).toBe('GET');
  });

  it("reads the next step's reason as part of its sentence, an acronym kept as it is", async () => {
    for (const [because, sentence] of [
      ['No purchase in 12 months', 'Because no purchase in 12 months.'],
      ['NPS answers average 2 out of 10', 'Because NPS answers average 2 out of 10.'],
    ]) {
      hsFetch.mockReturnValue(
        answer(200, { ...scored, recommendation: { ...scored.recommendation!, because } }),
      );
      const renderer = renderCard();
      await loaded(renderer);
      expect(renderer.find(Alert).text).toBe(sentence);
    }
  });

  it('shows the score, tier, weekly trend, reasons, next step and facts of a scored contact', async () => {
    hsFetch.mockReturnValue(answer(200, scored));
    const renderer = renderCard();
    await loaded(renderer);

    expect(renderer.findByTestId(StatisticsItem, 'score').props.number).toBe(82.3);
    expect(renderer.find(Tag).text).toBe('High risk');
    expect(renderer.find(Tag).props.variant).toBe('error');
    const trend = renderer.find(StatisticsTrend);
    expect(trend.props.value).toBe('7.1 pts since last week');
    expect(trend.props.direction).toBe('increase');
    expect(trend.props.color).toBe('red');
    expect(renderer.find(LineChart).props.data).toEqual(scored.history);
    expect(reasonTexts(renderer)).toEqual([
      '▲ Raises risk: Tickets open now: 3',
      '▲ Raises risk: Days since last use: 41',
      '▼ Lowers risk: Days as a customer: 1,200',
    ]);
    expect(renderer.find(Alert).props.title).toBe('Next step: Proactive support call');
    expect(renderer.find(Alert).text).toBe('Because tickets open now: 3.');
    const facts = Object.fromEntries(
      renderer.findAll(DescriptionListItem).map((item) => [item.props.label, item.text]),
    );
    expect(facts).toEqual({
      Renewal: 'Dec 31, 2026',
      'Value at risk': '24,000',
      Scored: 'Nov 23, 2026',
      Model: 'gbdt model v3',
    });
  });

  it('says when the starter model scored the contact, and a falling score trends green', async () => {
    hsFetch.mockReturnValue(
      answer(200, {
        ...scored,
        score: {
          ...scored.score!,
          tier: 'low',
          value: 12.4,
          model: { ...scored.score!.model, isStarter: true, label: 'Starter model' },
        },
        trend: { change: -8.7, previous: 21.1, previousScoredAt: '2026-11-16T06:00:00.000Z' },
        renewal: null,
      }),
    );
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.find(DescriptionListItem, { label: 'Model' }).text).toBe('Starter model');
    expect(renderer.maybeFind(DescriptionListItem, { label: 'Renewal' })).toBeNull();
    expect(renderer.find(Tag).text).toBe('Low risk');
    expect(renderer.find(Tag).props.variant).toBe('success');
    const trend = renderer.find(StatisticsTrend);
    expect([trend.props.value, trend.props.direction, trend.props.color]).toEqual([
      '8.7 pts since last week',
      'decrease',
      'green',
    ]);
  });

  it('starts a retention play and reports a wrong score, each with a key, and confirms to the advisor', async () => {
    hsFetch.mockReturnValue(answer(200, scored));
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.findAll(Button).map((b) => b.text)).toEqual([
      'Send retention offer',
      'Ask for feedback',
      'Schedule check-in',
      'This looks wrong',
    ]);

    hsFetch.mockReturnValue(answer(201, { id: 1, play: 'check_in', status: 'pending', replayed: false }));
    renderer.findByTestId(Button, 'play-check_in').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.mocks.actions.addAlert.calls.length).toBe(1));
    const [playUrl, playOptions] = hsFetch.mock.calls[1]!;
    expect(playUrl).toMatch(/\/api\/v1\/cards\/plays$/);
    expect(playOptions?.method).toBe('POST');
    expect(playOptions?.body).toEqual({ contactId: '123', play: 'check_in', requestKey: expect.any(String) });
    expect(renderer.mocks.actions.addAlert.calls[0]![0]).toEqual({
      type: 'success',
      message: 'Check-in requested.',
    });

    hsFetch.mockReturnValue(
      answer(404, { error: { code: 'not_found', message: 'This portal has no contact 123.' } }),
    );
    renderer.findByTestId(Button, 'feedback').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.mocks.actions.addAlert.calls.length).toBe(2));
    const [feedbackUrl, feedbackOptions] = hsFetch.mock.calls[2]!;
    expect(feedbackUrl).toMatch(/\/api\/v1\/cards\/feedback$/);
    expect(feedbackOptions?.body).toEqual({ contactId: '123', scoreId: 991, requestKey: expect.any(String) });
    expect(renderer.mocks.actions.addAlert.calls[1]![0]).toEqual({
      type: 'danger',
      message: 'This portal has no contact 123.',
    });
  });

  it('offers a user the server lets start no plays only the flag, whatever the host says of them', async () => {
    hsFetch.mockReturnValue(
      answer(200, { ...scored, viewer: { userId: '4712', canRunPlays: false, canGiveFeedback: true } }),
    );
    const renderer = renderCard(['integrations-management-write']);
    await loaded(renderer);
    expect(renderer.findByTestId(StatisticsItem, 'score').props.number).toBe(82.3);
    expect(renderer.findAll(Button).map((b) => b.text)).toEqual(['This looks wrong']);
  });

  it('shows the risk but no buttons when the server allows nothing', async () => {
    hsFetch.mockReturnValue(
      answer(200, { ...scored, viewer: { userId: '4713', canRunPlays: false, canGiveFeedback: false } }),
    );
    const renderer = renderCard([]);
    await loaded(renderer);
    expect(renderer.findByTestId(StatisticsItem, 'score').props.number).toBe(82.3);
    expect(renderer.findAll(Button)).toEqual([]);
  });

  it('says so when the contact is not scored yet', async () => {
    hsFetch.mockReturnValue(
      answer(200, {
        ...scored,
        status: 'not_scored',
        sync: { complete: true, objectTypesDone: 7, objectTypesTotal: 7 },
        score: null,
        trend: null,
        history: [],
        reasons: [],
        recommendation: null,
      }),
    );
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.find(EmptyState).props.title).toBe('Not scored yet');
    expect(renderer.maybeFind(StatisticsItem)).toBeNull();
    expect(renderer.findAll(Button)).toEqual([]);
  });

  it('says the portal is still syncing, with how far it got', async () => {
    hsFetch.mockReturnValue(
      answer(200, {
        ...scored,
        status: 'syncing',
        sync: { complete: false, objectTypesDone: 3, objectTypesTotal: 7 },
        score: null,
        trend: null,
        history: [],
        reasons: [],
        recommendation: null,
      }),
    );
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.find(EmptyState).props.title).toBe('Still syncing this portal');
    expect(renderer.find(EmptyState).find(Text).text).toContain('3 of 7 record types done');
  });

  it('shows when a customer who left did so and what showed it, without score, tier or plays', async () => {
    hsFetch.mockReturnValue(answer(200, churned));
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.findByTestId(Text, 'left-on').text).toBe('Left on 22 Nov 2026');
    const facts = Object.fromEntries(
      renderer.findAll(DescriptionListItem).map((item) => [item.props.label, item.text]),
    );
    expect(facts).toEqual({
      'What showed it': 'Renewal lost: Acme renewal',
      'Customer since': '3 Apr 2023',
    });
    expect(renderer.maybeFind(StatisticsItem)).toBeNull();
    expect(renderer.maybeFind(Tag)).toBeNull();
    expect(renderer.maybeFind(Alert)).toBeNull();
    expect(renderer.maybeFind(LineChart)).toBeNull();
    expect(renderer.maybeFind(EmptyState)).toBeNull();
    // A lost customer is not a retention target: no offer, survey or check-in, even for a writer.
    expect(renderer.findAll(Button)).toEqual([]);
  });

  it('says when the CRM does not date the churn', async () => {
    hsFetch.mockReturnValue(
      answer(200, {
        ...churned,
        customer: {
          ...churned.customer!,
          leftOn: null,
          evidence: 'Lifecycle stage set to Other (former customer)',
        },
      }),
    );
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.findByTestId(Text, 'left-on').text).toBe('Left (date not recorded)');
    expect(renderer.find(DescriptionListItem, { label: 'What showed it' }).text).toBe(
      'Lifecycle stage set to Other (former customer)',
    );
    expect(renderer.find(DescriptionListItem, { label: 'Customer since' }).text).toBe('3 Apr 2023');
    expect(renderer.maybeFind(StatisticsItem)).toBeNull();
    expect(renderer.findAll(Button)).toEqual([]);
  });

  it('dates a churn by its day in UTC, as the CRM does', async () => {
    hsFetch.mockReturnValue(
      answer(200, { ...churned, customer: { ...churned.customer!, leftOn: '2026-11-22T23:30:00.000Z' } }),
    );
    // Run with TZ=Pacific/Kiritimati (14 hours ahead of UTC, already 23 Nov there) to see it matter.
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.findByTestId(Text, 'left-on').text).toBe('Left on 22 Nov 2026');
  });

  it('tells that a prospect is not scored because only customers are', async () => {
    hsFetch.mockReturnValue(answer(200, prospect));
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.findByTestId(Text, 'prospect').text).toBe(
      'Not a customer yet — churn risk is scored for customers only.',
    );
    expect(renderer.maybeFind(StatisticsItem)).toBeNull();
    expect(renderer.maybeFind(Tag)).toBeNull();
    expect(renderer.maybeFind(Text, { testId: 'left-on' })).toBeNull();
    expect(renderer.findAll(Button)).toEqual([]);
  });

  it('shows the error with a retry that loads the risk', async () => {
    hsFetch.mockReturnValueOnce(
      answer(503, { error: { code: 'not_configured', message: 'Try again in a minute.' } }),
    );
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.find(ErrorState).props.title).toBe("Couldn't load the churn risk");
    expect(renderer.find(ErrorState).find(Text).text).toContain('Try again in a minute.');

    hsFetch.mockReturnValueOnce(answer(200, scored));
    renderer.findByTestId(Button, 'retry').trigger('onClick');
    await renderer.waitFor(() => expect(renderer.maybeFind(StatisticsItem)).not.toBeNull());
    expect(renderer.maybeFind(ErrorState)).toBeNull();
    expect(renderer.findByTestId(StatisticsItem, 'score').props.number).toBe(82.3);
    expect(hsFetch).toHaveBeenCalledTimes(2);
  });

  it('shows a network failure as an error too', async () => {
    hsFetch.mockImplementationOnce(() => Promise.reject(new Error('Request timed out')));
    const renderer = renderCard();
    await loaded(renderer);
    expect(renderer.find(ErrorState).find(Text).text).toContain('Request timed out');
  });
});

describe('the sidebar card', () => {
  it('shows the score, tier, trend, strongest reason and next step, without chart or buttons', async () => {
    hsFetch.mockReturnValue(answer(200, scored));
    const renderer = createRenderer('crm.record.sidebar');
    renderer.render(<RiskSidebarCard context={renderer.mocks.context} />);
    await renderer.waitFor(() => expect(renderer.maybeFind(LoadingSpinner)).toBeNull());
    expect(renderer.findByTestId(StatisticsItem, 'score').props.number).toBe(82.3);
    expect(renderer.find(Tag).text).toBe('High risk');
    expect(renderer.find(StatisticsTrend).props.value).toBe('7.1 pts since last week');
    expect(reasonTexts(renderer)).toEqual(['▲ Raises risk: Tickets open now: 3']);
    expect(renderer.find(Alert).props.title).toBe('Next step: Proactive support call');
    expect(renderer.maybeFind(LineChart)).toBeNull();
    expect(renderer.findAll(Button)).toEqual([]);
  });

  it('shows when a customer who left did so, and that a prospect is not scored', async () => {
    hsFetch.mockReturnValue(answer(200, churned));
    const renderer = createRenderer('crm.record.sidebar');
    renderer.render(<RiskSidebarCard context={renderer.mocks.context} />);
    await renderer.waitFor(() => expect(renderer.maybeFind(LoadingSpinner)).toBeNull());
    expect(renderer.findByTestId(Text, 'left-on').text).toBe('Left on 22 Nov 2026');
    expect(renderer.find(DescriptionListItem, { label: 'What showed it' }).text).toBe(
      'Renewal lost: Acme renewal',
    );
    expect(renderer.maybeFind(StatisticsItem)).toBeNull();
    expect(renderer.maybeFind(Tag)).toBeNull();

    hsFetch.mockReturnValue(answer(200, prospect));
    const other = createRenderer('crm.record.sidebar');
    other.render(<RiskSidebarCard context={other.mocks.context} />);
    await other.waitFor(() => expect(other.maybeFind(LoadingSpinner)).toBeNull());
    expect(other.findByTestId(Text, 'prospect').text).toBe(
      'Not a customer yet — churn risk is scored for customers only.',
    );
    expect(other.maybeFind(StatisticsItem)).toBeNull();
  });
});
