/**
 * The compact risk card for a contact record's sidebar: the score, its tier and trend, the
 * strongest reason and the next step (or, for a customer who left, when and why). The full card
 * in the record's tab has the rest.
 */
import { Flex, hubspot, type CrmContext } from '@hubspot/ui-extensions';
import { useContactRisk } from './contact-risk.js';
import { NextAction, ReasonList, RiskStates, ScoreSummary } from './RiskParts.js';

export function RiskSidebarCard({ context }: { context: CrmContext }) {
  const { state, reload } = useContactRisk(context.crm.objectId);
  // Only a scored (active) customer shows a score; a customer who left or a prospect never does.
  if (state.kind !== 'loaded' || state.risk.status !== 'scored' || !state.risk.score)
    return <RiskStates state={state} reload={reload} />;
  const { risk } = state;
  return (
    <Flex direction="column" gap="sm">
      <ScoreSummary risk={risk} score={state.risk.score} />
      <ReasonList risk={risk} limit={1} />
      <NextAction risk={risk} />
    </Flex>
  );
}

hubspot.extend<'crm.record.sidebar'>(({ context }) => <RiskSidebarCard context={context} />);
