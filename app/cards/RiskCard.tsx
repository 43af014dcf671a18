/**
 * The risk card in a contact record's tab: how likely this customer is to leave, how that moved
 * since last week, why, what to do next, and buttons to do it. A customer who left shows when and
 * what showed it instead, and a prospect that only customers are scored; neither has buttons. The
 * buttons are the ones the server says this user may use (`risk.viewer`).
 */
import { Divider, Flex, Heading, hubspot, Text, type CrmContext } from '@hubspot/ui-extensions';
import { useContactRisk } from './contact-risk.js';
import {
  NextAction,
  PlayButtons,
  ReasonList,
  RiskFacts,
  RiskStates,
  ScoreSummary,
  WeeklyChart,
} from './RiskParts.js';

export interface RiskCardProps {
  context: CrmContext;
  actions: { addAlert: (alert: { type?: 'success' | 'danger'; message: string }) => void };
}

export function RiskCard({ context, actions }: RiskCardProps) {
  const { state, reload } = useContactRisk(context.crm.objectId);
  // Only a scored (active) customer shows a score; a customer who left or a prospect never does.
  if (state.kind !== 'loaded' || state.risk.status !== 'scored' || !state.risk.score)
    return <RiskStates state={state} reload={reload} />;
  const { risk } = state;
  const score = state.risk.score;
  return (
    <Flex direction="column" gap="md">
      <Flex direction="row" gap="md" align="center">
        <ScoreSummary risk={risk} score={score} />
      </Flex>
      <WeeklyChart risk={risk} />
      <Heading>Top reasons</Heading>
      <ReasonList risk={risk} limit={3} />
      <NextAction risk={risk} />
      <RiskFacts risk={risk} score={score} />
      {risk.viewer.canRunPlays || risk.viewer.canGiveFeedback ? (
        <>
          <Divider />
          <PlayButtons
            risk={risk}
            score={score}
            notify={(message, type) => actions.addAlert({ type, message })}
          />
        </>
      ) : null}
      {risk.viewer.unavailable ? <Text variant="microcopy">{risk.viewer.unavailable}</Text> : null}
    </Flex>
  );
}

hubspot.extend<'crm.record.tab'>(({ context, actions }) => <RiskCard context={context} actions={actions} />);
