/**
 * The churn risk card on a Contact record page: how likely this customer is to leave, how that moved
 * since last week, why, what to do next, and buttons to do it. The same content as the HubSpot card
 * (app/cards/RiskCard.tsx). The score written back to the contact shows at once, with no callout,
 * and stays shown when the live call fails; the live answer replaces it when it arrives.
 */
import { LightningElement, api, wire } from 'lwc';
import { getRecord, getFieldValue } from 'lightning/uiRecordApi';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getRisk from '@salesforce/apex/ChurnRadarCardController.getRisk';
import startPlay from '@salesforce/apex/ChurnRadarCardController.startPlay';
import reportWrongScore from '@salesforce/apex/ChurnRadarCardController.reportWrongScore';
import hasRunPlaysPermission from '@salesforce/customPermission/Churn_Radar_Run_Plays';
import SCORE_FIELD from '@salesforce/schema/Contact.Churn_Risk_Score__c';
import TIER_FIELD from '@salesforce/schema/Contact.Churn_Risk_Tier__c';
import REASONS_FIELD from '@salesforce/schema/Contact.Churn_Risk_Reasons__c';
import UPDATED_AT_FIELD from '@salesforce/schema/Contact.Churn_Risk_Updated_At__c';
import MODEL_FIELD from '@salesforce/schema/Contact.Churn_Risk_Model__c';

const FIELDS = [SCORE_FIELD, TIER_FIELD, REASONS_FIELD, UPDATED_AT_FIELD, MODEL_FIELD];

const TIERS = {
  high: { label: 'High risk', className: 'slds-theme_error' },
  medium: { label: 'Medium risk', className: 'slds-theme_warning' },
  low: { label: 'Low risk', className: 'slds-theme_success' },
};

const PLAYS = [
  { play: 'offer', label: 'Send retention offer', done: 'Retention offer requested.' },
  { play: 'survey', label: 'Ask for feedback', done: 'Feedback survey requested.' },
  { play: 'check_in', label: 'Schedule check-in', done: 'Check-in requested.' },
];
const FEEDBACK_DONE = 'Thanks: the score is flagged for review.';
const TOP_REASONS = 3;

const US_DATE = new Intl.DateTimeFormat('en-US', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});
const DAY = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const AMOUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function formatWith(format, iso) {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : format.format(date);
}

/** "Dec 31, 2026", in UTC as the CRM dates it. */
function formatDate(iso) {
  return formatWith(US_DATE, iso);
}

/** A day as people outside the US write it, "22 Nov 2026" (in UTC). */
function formatDay(iso) {
  return formatWith(DAY, iso);
}

/** The sentence for the user from an Apex or JavaScript error (AuraHandledException's message). */
function errorText(error) {
  if (!error) return 'Something went wrong.';
  const body = error.body;
  if (Array.isArray(body) && body.length > 0 && body[0].message) {
    return body.map((entry) => entry.message).join(' ');
  }
  if (body && typeof body.message === 'string' && body.message) return body.message;
  if (typeof error.message === 'string' && error.message) return error.message;
  return typeof error === 'string' ? error : 'Something went wrong.';
}

/** One key per click: a request the platform retries carries the same key and is recorded once. */
function newRequestKey() {
  const cryptoApi = typeof crypto !== 'undefined' ? crypto : undefined;
  if (cryptoApi && typeof cryptoApi.randomUUID === 'function') return cryptoApi.randomUUID();
  let key = Date.now().toString(36) + '-';
  if (cryptoApi && typeof cryptoApi.getRandomValues === 'function') {
    const bytes = cryptoApi.getRandomValues(new Uint8Array(16));
    bytes.forEach((byte) => {
      key += byte.toString(16).padStart(2, '0');
    });
    return key;
  }
  while (key.length < 32) key += Math.random().toString(36).slice(2);
  return key;
}

function trendText(trend) {
  if (!trend) return 'No score last week';
  if (trend.change === 0) return 'No change since last week';
  const arrow = trend.change > 0 ? '▲' : '▼';
  return `${arrow} ${Math.abs(trend.change)} pts since last week`;
}

function tierOf(tier) {
  return TIERS[tier] || null;
}

export default class ChurnRiskCard extends LightningElement {
  /** The Contact's id, from the record page. */
  @api
  get recordId() {
    return this._recordId;
  }
  set recordId(value) {
    const changed = value !== this._recordId;
    this._recordId = value;
    if (changed && this._connected) this.load();
  }

  _recordId;
  _connected = false;
  _request = 0;

  /** loading | error | loaded */
  state = 'loading';
  errorMessage = '';
  risk = null;
  serverAllowsPlays = false;
  serverTakesFeedback = false;
  busy = false;

  /** The written-back fields, shown before (and instead of, on error) the live answer. */
  @wire(getRecord, { recordId: '$recordId', fields: FIELDS })
  record;

  connectedCallback() {
    this._connected = true;
    this.load();
  }

  disconnectedCallback() {
    this._connected = false;
    this._request += 1;
  }

  async load() {
    if (!this._recordId) return;
    this._request += 1;
    const request = this._request;
    this.state = 'loading';
    this.errorMessage = '';
    try {
      const answer = JSON.parse(await getRisk({ contactId: this._recordId }));
      if (request !== this._request) return;
      this.risk = answer.risk;
      this.serverAllowsPlays = answer.canRunPlays === true;
      this.serverTakesFeedback = answer.canGiveFeedback === true;
      this.state = 'loaded';
    } catch (error) {
      if (request !== this._request) return;
      this.risk = null;
      this.errorMessage = errorText(error);
      this.state = 'error';
    }
  }

  handleRetry() {
    this.load();
  }

  // ---- States ----

  get isLoading() {
    return this.state === 'loading';
  }

  get isError() {
    return this.state === 'error';
  }

  get status() {
    if (this.state !== 'loaded' || !this.risk) return null;
    // Only a scored (active) customer shows a score; one marked scored without a score is not scored.
    if (this.risk.status === 'scored' && !this.risk.score) return 'not_scored';
    return this.risk.status;
  }

  get isScored() {
    return this.status === 'scored';
  }

  get isChurned() {
    return this.status === 'churned';
  }

  get isProspect() {
    return this.status === 'prospect';
  }

  get isNotScored() {
    return this.status === 'not_scored';
  }

  get isSyncing() {
    return this.status === 'syncing';
  }

  // ---- The written-back fields ----

  get writtenBack() {
    const data = this.record && this.record.data;
    if (!data) return null;
    const score = getFieldValue(data, SCORE_FIELD);
    const tierName = getFieldValue(data, TIER_FIELD);
    const reasons = getFieldValue(data, REASONS_FIELD);
    const updatedAt = getFieldValue(data, UPDATED_AT_FIELD);
    const model = getFieldValue(data, MODEL_FIELD);
    const tier = tierOf(tierName);
    const hasScore = typeof score === 'number' && tier !== null;
    const isChurned = tierName === 'churned';
    const isProspect = tierName === 'prospect';
    if (!hasScore && !isChurned && !isProspect) return null;
    // Written as "first; second; third" (one line in list views), or one reason a line.
    const reasonLines = hasScore && reasons ? String(reasons).split(/\r?\n|;\s+/) : [];
    return {
      hasScore,
      isChurned,
      isProspect,
      // As written, to the tenth of a point the score carries.
      score: hasScore ? score : null,
      tierLabel: tier ? tier.label : null,
      tierClass: tier ? tier.className : null,
      reasons: reasonLines
        .map((line) => line.trim())
        .filter((line) => line)
        .slice(0, TOP_REASONS)
        .map((text, index) => ({ key: `reason-${index + 1}`, dataId: `reason-${index + 1}`, text })),
      scoredAt: hasScore ? formatDate(updatedAt) : null,
      model: hasScore ? model || null : null,
    };
  }

  /** The written-back score shows until the live answer arrives, and stays when it fails. */
  get showWrittenBack() {
    return (this.isLoading || this.isError) && this.writtenBack !== null;
  }

  // ---- Scored ----

  get score() {
    return this.isScored ? this.risk.score : null;
  }

  get scoreValue() {
    return this.score ? this.score.value : null;
  }

  get tierLabel() {
    const tier = this.score && tierOf(this.score.tier);
    return tier ? tier.label : null;
  }

  get tierClass() {
    const tier = this.score && tierOf(this.score.tier);
    return tier ? tier.className : null;
  }

  get trendText() {
    return trendText(this.risk && this.risk.trend);
  }

  get trendClass() {
    const change = this.risk && this.risk.trend ? this.risk.trend.change : 0;
    if (change > 0) return 'slds-text-color_error';
    if (change < 0) return 'slds-text-color_success';
    return 'slds-text-color_weak';
  }

  get hasHistory() {
    return this.isScored && Array.isArray(this.risk.history) && this.risk.history.length >= 2;
  }

  /** The weekly scores as a sparkline: x across the weeks, y from 0 (bottom) to 100 (top). */
  get historyPoints() {
    if (!this.hasHistory) return '';
    const history = this.risk.history;
    const step = 100 / (history.length - 1);
    return history
      .map((week, index) => {
        const x = Math.round(index * step * 100) / 100;
        const y = Math.round((30 - (Math.max(0, Math.min(100, week.score)) * 28) / 100 - 1) * 100) / 100;
        return `${x},${y}`;
      })
      .join(' ');
  }

  get historyLabel() {
    if (!this.hasHistory) return '';
    const weeks = this.risk.history.map((week) => `week of ${formatDate(week.week)}: ${week.score}`);
    return `Churn risk by week, ${weeks.join('; ')}`;
  }

  get historyRange() {
    if (!this.hasHistory) return '';
    const history = this.risk.history;
    return `${formatDate(history[0].week)} – ${formatDate(history[history.length - 1].week)}`;
  }

  get reasons() {
    if (!this.isScored || !Array.isArray(this.risk.reasons)) return [];
    return this.risk.reasons.slice(0, TOP_REASONS).map((reason, index) => ({
      key: reason.feature || `reason-${index + 1}`,
      dataId: `reason-${index + 1}`,
      text: `${reason.direction === 'raises' ? '▲ Raises risk' : '▼ Lowers risk'}: ${reason.text}`,
    }));
  }

  get hasReasons() {
    return this.reasons.length > 0;
  }

  get recommendation() {
    if (!this.isScored || !this.risk.recommendation) return null;
    const { title, because } = this.risk.recommendation;
    // The reason inside a sentence: lower case, unless it starts with an acronym ("NPS").
    const reason = /^[A-Z][a-z]/.test(because) ? because[0].toLowerCase() + because.slice(1) : because;
    return { title: `Next step: ${title}`, because: `Because ${reason}.` };
  }

  get renewalDate() {
    return this.isScored && this.risk.renewal ? formatDate(this.risk.renewal.date) : null;
  }

  get valueAtRisk() {
    const renewal = this.isScored ? this.risk.renewal : null;
    return renewal && renewal.valueAtRisk != null ? AMOUNT.format(renewal.valueAtRisk) : null;
  }

  get scoredAt() {
    return this.score ? formatDate(this.score.scoredAt) : null;
  }

  get modelLabel() {
    return this.score && this.score.model ? this.score.model.label : null;
  }

  // ---- Churned ----

  get leftOnText() {
    const customer = this.risk && this.risk.customer;
    const leftOn = customer ? formatDay(customer.leftOn) : null;
    return leftOn ? `Left on ${leftOn}` : 'Left (date not recorded)';
  }

  get leftEvidence() {
    const customer = this.risk && this.risk.customer;
    return customer && customer.evidence ? customer.evidence : null;
  }

  get customerSince() {
    const customer = this.risk && this.risk.customer;
    return customer ? formatDay(customer.since) : null;
  }

  // ---- Syncing ----

  get syncText() {
    const sync = this.risk && this.risk.sync;
    const progress = sync ? ` (${sync.objectTypesDone} of ${sync.objectTypesTotal} record types done)` : '';
    return (
      `Churn Radar is reading this org's records${progress}. This contact gets a score once the ` +
      'first sync and scoring are finished.'
    );
  }

  // ---- Plays and the flag ----

  /** The plays show to users with the permission, as the server also reports it (and checks again). */
  get canRunPlays() {
    return this.isScored && Boolean(hasRunPlaysPermission) && this.serverAllowsPlays;
  }

  /** "This looks wrong" shows to any user with the card, as the server reports it (and checks again). */
  get canGiveFeedback() {
    return this.isScored && this.serverTakesFeedback;
  }

  get hasActions() {
    return this.canRunPlays || this.canGiveFeedback;
  }

  get plays() {
    return PLAYS.map(({ play, label }) => ({ play, label, dataId: `play-${play}` }));
  }

  handlePlay(event) {
    const play = event.currentTarget.dataset.play;
    const entry = PLAYS.find((candidate) => candidate.play === play);
    if (!entry) return;
    const contactId = this._recordId;
    this.run(() => startPlay({ contactId, play, requestKey: newRequestKey() }), entry.label, entry.done);
  }

  handleWrongScore() {
    const contactId = this._recordId;
    const scoreId = this.score ? this.score.id : null;
    this.run(
      () => reportWrongScore({ contactId, scoreId, requestKey: newRequestKey() }),
      'This looks wrong',
      FEEDBACK_DONE,
    );
  }

  async run(action, title, done) {
    if (this.busy) return;
    this.busy = true;
    try {
      await action();
      this.toast(title, done, 'success');
    } catch (error) {
      this.toast(title, errorText(error), 'error');
    } finally {
      this.busy = false;
    }
  }

  toast(title, message, variant) {
    this.dispatchEvent(new ShowToastEvent({ title, message, variant }));
  }
}
