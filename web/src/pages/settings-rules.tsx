/** The settings form's fields for what "churned" means and how scores become tiers. */

export type ChurnRule =
  | { kind: 'lifecycle_stage'; formerStage?: string; renewalLost: boolean; renewalDealTypes?: string[] }
  | { kind: 'property'; property: string; dateProperty?: string }
  | { kind: 'no_purchase'; days: number };

export type TierPolicy =
  | { kind: 'share'; highShare: number; mediumShare: number }
  | {
      kind: 'cost_aware';
      offerCost: number;
      saveRate: number;
      valueProperty: string | null;
      defaultValue: number;
      mediumFactor: number;
    };

const RULE_DEFAULTS: Record<ChurnRule['kind'], ChurnRule> = {
  lifecycle_stage: { kind: 'lifecycle_stage', renewalLost: true },
  property: { kind: 'property', property: 'churned' },
  no_purchase: { kind: 'no_purchase', days: 365 },
};

const TIER_DEFAULTS: Record<TierPolicy['kind'], TierPolicy> = {
  share: { kind: 'share', highShare: 0.1, mediumShare: 0.2 },
  cost_aware: {
    kind: 'cost_aware',
    offerCost: 50,
    saveRate: 0.3,
    valueProperty: null,
    defaultValue: 0,
    mediumFactor: 0.5,
  },
};

const percent = (share: number) => Math.round(share * 1000) / 10;

export function ChurnRuleFields({
  rule,
  onChange,
}: {
  rule: ChurnRule;
  onChange: (rule: ChurnRule) => void;
}) {
  return (
    <div className="filters">
      <label className="field">
        A customer has churned when
        <select
          name="churnRuleKind"
          value={rule.kind}
          onChange={(e) => onChange(RULE_DEFAULTS[e.target.value as ChurnRule['kind']])}
        >
          <option value="lifecycle_stage">their lifecycle stage becomes a former-customer stage</option>
          <option value="property">a yes/no contact property turns true</option>
          <option value="no_purchase">they buy nothing for a number of days</option>
        </select>
      </label>
      {rule.kind === 'lifecycle_stage' && (
        <>
          <label className="field">
            Former-customer stage
            <input
              name="formerStage"
              value={rule.formerStage ?? ''}
              placeholder="the CRM's own (HubSpot: other; Salesforce: Former Customer)"
              onChange={(e) => {
                const { formerStage: _unset, ...rest } = rule;
                // Empty means the CRM's own stage: the rule then names none.
                onChange(e.target.value.trim() ? { ...rest, formerStage: e.target.value } : rest);
              }}
            />
          </label>
          <label className="field">
            <span>
              <input
                type="checkbox"
                name="renewalLost"
                checked={rule.renewalLost}
                onChange={(e) => onChange({ ...rule, renewalLost: e.target.checked })}
              />{' '}
              or a renewal deal is lost
            </span>
          </label>
        </>
      )}
      {rule.kind === 'property' && (
        <label className="field">
          Property (internal name)
          <input
            name="churnProperty"
            value={rule.property}
            onChange={(e) => onChange({ ...rule, property: e.target.value })}
          />
        </label>
      )}
      {rule.kind === 'no_purchase' && (
        <label className="field">
          Days without a purchase
          <input
            name="noPurchaseDays"
            type="number"
            min={1}
            max={3650}
            value={rule.days}
            onChange={(e) => onChange({ ...rule, days: Number(e.target.value) })}
          />
        </label>
      )}
    </div>
  );
}

export function TierFields({
  tiers,
  onChange,
}: {
  tiers: TierPolicy;
  onChange: (tiers: TierPolicy) => void;
}) {
  return (
    <div className="filters">
      <label className="field">
        Set the tiers
        <select
          name="tierKind"
          value={tiers.kind}
          onChange={(e) => onChange(TIER_DEFAULTS[e.target.value as TierPolicy['kind']])}
        >
          <option value="share">by share of contacts</option>
          <option value="cost_aware">by what an offer costs and saves</option>
        </select>
      </label>
      {tiers.kind === 'share' ? (
        <>
          <label className="field">
            High tier: riskiest share (%)
            <input
              name="highShare"
              type="number"
              min={0}
              max={100}
              step={0.1}
              value={percent(tiers.highShare)}
              onChange={(e) => onChange({ ...tiers, highShare: Number(e.target.value) / 100 })}
            />
          </label>
          <label className="field">
            Medium tier: next share (%)
            <input
              name="mediumShare"
              type="number"
              min={0}
              max={100}
              step={0.1}
              value={percent(tiers.mediumShare)}
              onChange={(e) => onChange({ ...tiers, mediumShare: Number(e.target.value) / 100 })}
            />
          </label>
        </>
      ) : (
        <>
          <label className="field">
            Cost of one offer
            <input
              name="offerCost"
              type="number"
              min={0}
              value={tiers.offerCost}
              onChange={(e) => onChange({ ...tiers, offerCost: Number(e.target.value) })}
            />
          </label>
          <label className="field">
            Churners an offer keeps (%)
            <input
              name="saveRate"
              type="number"
              min={1}
              max={100}
              value={percent(tiers.saveRate)}
              onChange={(e) => onChange({ ...tiers, saveRate: Number(e.target.value) / 100 })}
            />
          </label>
          <label className="field">
            Customer value property
            <input
              name="valueProperty"
              placeholder="last won deal"
              value={tiers.valueProperty ?? ''}
              onChange={(e) => onChange({ ...tiers, valueProperty: e.target.value.trim() || null })}
            />
          </label>
          <label className="field">
            Value when unknown
            <input
              name="defaultValue"
              type="number"
              min={0}
              value={tiers.defaultValue}
              onChange={(e) => onChange({ ...tiers, defaultValue: Number(e.target.value) })}
            />
          </label>
        </>
      )}
    </div>
  );
}
