/**
 * The pieces both risk cards are made of: the states without a score, the score with its tier and
 * trend, the weekly chart, the reasons, the next action, the facts, and the advisor's buttons.
 */
import {
  Alert,
  Button,
  ButtonRow,
  DescriptionList,
  DescriptionListItem,
  EmptyState,
  ErrorState,
  Flex,
  LineChart,
  LoadingSpinner,
  Statistics,
  StatisticsItem,
  StatisticsTrend,
  Tag,
  Text,
} from '@hubspot/ui-extensions';
import { useState } from 'react';
import { reportWrongScore, startPlay, type ContactRisk, type LoadState, type Play } from './contact-risk.js';

type Score = NonNullable<ContactRisk['score']>;

const TIER_TAG: Record<Score['tier'], { text: string; variant: 'error' | 'warning' | 'success' }> = {
  high: { text: 'High risk', variant: 'error' },
  medium: { text: 'Medium risk', variant: 'warning' },
  low: { text: 'Low risk', variant: 'success' },
};

export function formatDate(iso: string): string {
  return new Date(iso).toLocaleDateString('en-US', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  });
}

/** A day as people outside the US write it, "22 Nov 2026" (in UTC, as the CRM dates it). */
export function formatDay(iso: string): string {
  return new Date(iso).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

export function formatAmount(value: number): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

/**
 * Loading, error with retry, syncing, not scored, and the contacts with no churn score (a customer
 * who left, a prospect); null once there is a score to show.
 */
export function RiskStates({ state, reload }: { state: LoadState; reload: () => void }) {
  if (state.kind === 'loading')
    return <LoadingSpinner label="Loading churn risk" showLabel layout="centered" />;
  if (state.kind === 'error') {
    return (
      <ErrorState title="Couldn't load the churn risk" type="error">
        <Text>{state.message}</Text>
        <Button onClick={reload} testId="retry">
          Try again
        </Button>
      </ErrorState>
    );
  }
  const { risk } = state;
  if (risk.status === 'syncing') {
    const progress = risk.sync
      ? ` (${risk.sync.objectTypesDone} of ${risk.sync.objectTypesTotal} record types done)`
      : '';
    return (
      <EmptyState title="Still syncing this portal" layout="vertical" imageName="building">
        <Text>
          Churn Radar is reading this portal's records{progress}. This contact gets a score once the first
          sync and scoring are finished.
        </Text>
      </EmptyState>
    );
  }
  if (risk.status === 'churned') return <LeftCustomer risk={risk} />;
  if (risk.status === 'prospect') {
    return <Text testId="prospect">Not a customer yet — churn risk is scored for customers only.</Text>;
  }
  if (risk.status === 'not_scored' || !risk.score) {
    return (
      <EmptyState title="Not scored yet" layout="vertical" imageName="emptyStateCharts">
        <Text>This contact has no churn risk score yet; it gets one at the next scoring run.</Text>
      </EmptyState>
    );
  }
  return null;
}

/**
 * A customer who left: when, what showed it, and since when they had been a customer. No score,
 * tier or plays: a lost customer is not a retention target.
 */
export function LeftCustomer({ risk }: { risk: ContactRisk }) {
  const customer = risk.customer;
  const leftOn = customer?.leftOn ? `Left on ${formatDay(customer.leftOn)}` : 'Left (date not recorded)';
  return (
    <Flex direction="column" gap="sm">
      <Text format={{ fontWeight: 'bold' }} testId="left-on">
        {leftOn}
      </Text>
      <DescriptionList direction="row">
        {customer?.evidence ? (
          <DescriptionListItem label="What showed it">{customer.evidence}</DescriptionListItem>
        ) : null}
        {customer?.since ? (
          <DescriptionListItem label="Customer since">{formatDay(customer.since)}</DescriptionListItem>
        ) : null}
      </DescriptionList>
      <Text variant="microcopy" testId="not-scored-why">
        No longer a customer — churn risk is scored for active customers only.
      </Text>
    </Flex>
  );
}

export function ScoreSummary({ risk, score }: { risk: ContactRisk; score: Score }) {
  const tier = TIER_TAG[score.tier];
  return (
    <>
      <Statistics>
        <StatisticsItem label="Churn risk (0–100)" number={score.value} testId="score">
          {risk.trend && risk.trend.change !== 0 ? (
            <StatisticsTrend
              testId="trend"
              value={`${Math.abs(risk.trend.change)} pts since last week`}
              direction={risk.trend.change > 0 ? 'increase' : 'decrease'}
              color={risk.trend.change > 0 ? 'red' : 'green'}
            />
          ) : (
            <Text testId="trend-none">{risk.trend ? 'No change since last week' : 'No score last week'}</Text>
          )}
        </StatisticsItem>
      </Statistics>
      <Tag variant={tier.variant} testId="tier">
        {tier.text}
      </Tag>
    </>
  );
}

export function WeeklyChart({ risk }: { risk: ContactRisk }) {
  if (risk.history.length < 2) return null;
  return (
    <LineChart
      testId="history"
      data={risk.history.map((h) => ({ week: h.week, score: h.score }))}
      axes={{
        x: { field: 'week', fieldType: 'category', label: 'Week' },
        y: { field: 'score', fieldType: 'linear', label: 'Churn risk' },
      }}
      options={{ title: 'Churn risk by week' }}
    />
  );
}

export function ReasonList({ risk, limit }: { risk: ContactRisk; limit: number }) {
  if (risk.reasons.length === 0) return <Text>No single factor stands out.</Text>;
  return (
    <>
      {risk.reasons.slice(0, limit).map((reason, index) => (
        <Text key={reason.feature} testId={`reason-${index + 1}`}>
          {reason.direction === 'raises' ? '▲ Raises risk' : '▼ Lowers risk'}: {reason.text}
        </Text>
      ))}
    </>
  );
}

/** A reason ("No purchase in 12 months") inside a sentence: lower case, unless it starts with an acronym ("NPS"). */
export function inSentence(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}

export function NextAction({ risk }: { risk: ContactRisk }) {
  if (!risk.recommendation) return null;
  return (
    <Alert title={`Next step: ${risk.recommendation.title}`} variant="tip" testId="recommendation">
      Because {inSentence(risk.recommendation.because)}.
    </Alert>
  );
}

export function RiskFacts({ risk, score }: { risk: ContactRisk; score: Score }) {
  return (
    <DescriptionList direction="row">
      {risk.renewal ? (
        <DescriptionListItem label="Renewal">{formatDate(risk.renewal.date)}</DescriptionListItem>
      ) : null}
      {risk.renewal?.valueAtRisk != null ? (
        <DescriptionListItem label="Value at risk">
          {formatAmount(risk.renewal.valueAtRisk)}
        </DescriptionListItem>
      ) : null}
      <DescriptionListItem label="Scored">{formatDate(score.scoredAt)}</DescriptionListItem>
      <DescriptionListItem label="Model">{score.model.label}</DescriptionListItem>
    </DescriptionList>
  );
}

const PLAYS: { play: Play; label: string; done: string }[] = [
  { play: 'offer', label: 'Send retention offer', done: 'Retention offer requested.' },
  { play: 'survey', label: 'Ask for feedback', done: 'Feedback survey requested.' },
  { play: 'check_in', label: 'Schedule check-in', done: 'Check-in requested.' },
];

type Notify = (message: string, type: 'success' | 'danger') => void;

/** The advisor's buttons: the plays for users who may start them, the flag for any user. */
export function PlayButtons({ risk, score, notify }: { risk: ContactRisk; score: Score; notify: Notify }) {
  const [busy, setBusy] = useState(false);
  const run = (action: () => Promise<void>, done: string) => async () => {
    setBusy(true);
    try {
      await action();
      notify(done, 'success');
    } catch (error) {
      notify(error instanceof Error ? error.message : String(error), 'danger');
    } finally {
      setBusy(false);
    }
  };
  return (
    <ButtonRow>
      {risk.viewer.canRunPlays
        ? PLAYS.map(({ play, label, done }) => (
            <Button
              key={play}
              testId={`play-${play}`}
              disabled={busy}
              onClick={run(() => startPlay(risk.contactId, play), done)}
            >
              {label}
            </Button>
          ))
        : null}
      {risk.viewer.canGiveFeedback ? (
        <Button
          testId="feedback"
          variant="secondary"
          disabled={busy}
          onClick={run(
            () => reportWrongScore(risk.contactId, score.id),
            'Thanks: the score is flagged for review.',
          )}
        >
          This looks wrong
        </Button>
      ) : null}
    </ButtonRow>
  );
}
