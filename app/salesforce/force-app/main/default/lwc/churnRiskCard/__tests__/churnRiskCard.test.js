/**
 * What the advisor reads on the Contact page, state by state: the Apex methods, the written-back
 * fields (getRecord) and the custom permission are the boundary that is stubbed here.
 */
import { createElement } from 'lwc';
import ChurnRiskCard from 'c/churnRiskCard';
import { getRecord } from 'lightning/uiRecordApi';
import getRisk from '@salesforce/apex/ChurnRadarCardController.getRisk';
import startPlay from '@salesforce/apex/ChurnRadarCardController.startPlay';
import reportWrongScore from '@salesforce/apex/ChurnRadarCardController.reportWrongScore';

jest.mock('@salesforce/apex/ChurnRadarCardController.getRisk', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/ChurnRadarCardController.startPlay', () => ({ default: jest.fn() }), {
  virtual: true,
});
jest.mock('@salesforce/apex/ChurnRadarCardController.reportWrongScore', () => ({ default: jest.fn() }), {
  virtual: true,
});
// Read when the component's module loads (see the test of a user without it).
let mockHasRunPlays = true;
jest.mock(
  '@salesforce/customPermission/Churn_Radar_Run_Plays',
  () => ({
    get default() {
      return mockHasRunPlays;
    },
  }),
  { virtual: true },
);

const CONTACT_ID = '003000000000001AAA';
const TOAST = 'lightning__showtoast';
const SCORED = require('./data/scoredRisk.json');
const RECORD = require('./data/contactRecord.json');

const clone = (value) => JSON.parse(JSON.stringify(value));
const answer = (risk, canRunPlays = true, canGiveFeedback = true) =>
  JSON.stringify({ canRunPlays, canGiveFeedback, risk });
const apexError = (message) => ({ status: 500, body: { message } });

/** Lets the Apex promises settle and the template re-render. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function mount() {
  const element = createElement('c-churn-risk-card', { is: ChurnRiskCard });
  element.recordId = CONTACT_ID;
  document.body.appendChild(element);
  return element;
}

const find = (element, id) => element.shadowRoot.querySelector(`[data-id="${id}"]`);
/** The words a node shows, one space between the texts of its elements (as they read on screen). */
const words = (node) =>
  Array.from(node.childNodes)
    .map((child) => (child.nodeType === Node.TEXT_NODE ? child.textContent : words(child)))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
const text = (element, id) => {
  const node = find(element, id);
  return node ? words(node) : null;
};
const cardText = (element) => element.shadowRoot.textContent.replace(/\s+/g, ' ');

async function mountWith(risk, canRunPlays = true, canGiveFeedback = true) {
  getRisk.mockResolvedValue(answer(risk, canRunPlays, canGiveFeedback));
  const element = mount();
  await flush();
  return element;
}

function toasts(element) {
  const events = [];
  element.addEventListener(TOAST, (event) => events.push(event.detail));
  return events;
}

afterEach(() => {
  while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
  // The apex mocks lose their answers too; the lightning stubs (getFieldValue) keep theirs.
  jest.clearAllMocks();
  [getRisk, startPlay, reportWrongScore].forEach((apex) => apex.mockReset());
});

describe('loading', () => {
  it('shows a spinner while the live risk loads', async () => {
    getRisk.mockReturnValue(new Promise(() => {}));
    const element = mount();
    await flush();

    const spinner = element.shadowRoot.querySelector('lightning-spinner');
    expect(spinner).not.toBeNull();
    expect(spinner.alternativeText).toBe('Loading churn risk');
    expect(getRisk).toHaveBeenCalledWith({ contactId: CONTACT_ID });
    expect(find(element, 'score')).toBeNull();
    expect(find(element, 'play-offer')).toBeNull();
  });

  it('shows the written-back score at once, before the live answer', async () => {
    getRisk.mockReturnValue(new Promise(() => {}));
    const element = mount();
    getRecord.emit(clone(RECORD));
    await flush();

    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
    expect(text(element, 'score')).toBe('71.4');
    expect(find(element, 'tier').label).toBe('High risk');
    expect(text(element, 'reason-1')).toBe('Tickets open now: 3');
    expect(text(element, 'reason-3')).toBe('Days as a customer: 1,200');
    expect(find(element, 'reason-4')).toBeNull();
    expect(text(element, 'scored-at')).toBe('Nov 16, 2026');
    expect(text(element, 'model')).toBe('gbdt model v3');
    expect(getRecord.getLastConfig()).toEqual(
      expect.objectContaining({
        recordId: CONTACT_ID,
        fields: expect.arrayContaining([
          expect.objectContaining({ objectApiName: 'Contact', fieldApiName: 'Churn_Risk_Score__c' }),
          expect.objectContaining({ objectApiName: 'Contact', fieldApiName: 'Churn_Risk_Tier__c' }),
          expect.objectContaining({ objectApiName: 'Contact', fieldApiName: 'Churn_Risk_Reasons__c' }),
          expect.objectContaining({ objectApiName: 'Contact', fieldApiName: 'Churn_Risk_Updated_At__c' }),
          expect.objectContaining({ objectApiName: 'Contact', fieldApiName: 'Churn_Risk_Model__c' }),
        ]),
      }),
    );
  });
});

describe('scored', () => {
  it('shows the score, tier, trend, history, top reasons, next step, renewal and facts', async () => {
    const element = await mountWith(clone(SCORED));

    expect(element.shadowRoot.querySelector('lightning-spinner')).toBeNull();
    const card = element.shadowRoot.querySelector('lightning-card');
    expect(card.title).toBe('Churn risk');
    expect(text(element, 'score')).toBe('82.3');
    expect(cardText(element)).toContain('Churn risk (0–100)');
    expect(find(element, 'tier').label).toBe('High risk');
    expect(text(element, 'trend')).toBe('▲ 6.1 pts since last week');

    const history = find(element, 'history');
    expect(history.textContent).toContain('Churn risk by week');
    const chart = history.querySelector('svg');
    expect(chart.getAttribute('role')).toBe('img');
    expect(chart.getAttribute('aria-label')).toBe(
      'Churn risk by week, week of Nov 2, 2026: 61.4; week of Nov 9, 2026: 70; ' +
        'week of Nov 16, 2026: 76.2; week of Nov 23, 2026: 82.3',
    );
    expect(history.querySelector('polyline').getAttribute('points').split(' ')).toHaveLength(4);

    expect(text(element, 'reason-1')).toBe('▲ Raises risk: Tickets open now: 3');
    expect(text(element, 'reason-2')).toBe('▲ Raises risk: Days since last use: 41');
    expect(text(element, 'reason-3')).toBe('▼ Lowers risk: Days as a customer: 1,200');
    expect(find(element, 'reason-4')).toBeNull();

    expect(text(element, 'recommendation')).toBe(
      'Next step: Proactive support call Because tickets open now: 3.',
    );
    expect(text(element, 'renewal')).toBe('Dec 31, 2026');
    expect(text(element, 'value-at-risk')).toBe('24,000');
    expect(text(element, 'scored-at')).toBe('Nov 23, 2026');
    expect(text(element, 'model')).toBe('gbdt model v3');
  });

  it('replaces the written-back score with the live one', async () => {
    getRisk.mockResolvedValue(answer(clone(SCORED)));
    const element = mount();
    getRecord.emit(clone(RECORD));
    await flush();

    expect(element.shadowRoot.querySelectorAll('[data-id="score"]')).toHaveLength(1);
    expect(text(element, 'score')).toBe('82.3');
    expect(find(element, 'written-back')).toBeNull();
  });

  const lastWeek = '2026-11-16T06:00:00.000Z';
  it.each([
    ['down', '▼ 4.5 pts since last week', { change: -4.5, previous: 86.8, previousScoredAt: lastWeek }],
    ['unchanged', 'No change since last week', { change: 0, previous: 82.3, previousScoredAt: lastWeek }],
    ['missing', 'No score last week', null],
  ])('words a trend %s as "%s"', async (_name, words, trend) => {
    const element = await mountWith({ ...clone(SCORED), trend });
    expect(text(element, 'trend')).toBe(words);
  });

  it.each([
    ['medium', 'Medium risk'],
    ['low', 'Low risk'],
  ])('labels the %s tier "%s"', async (tier, label) => {
    const risk = clone(SCORED);
    risk.score.tier = tier;
    const element = await mountWith(risk);
    expect(find(element, 'tier').label).toBe(label);
  });

  it('says when no single factor stands out, and leaves out a missing next step, renewal and history', async () => {
    const element = await mountWith({
      ...clone(SCORED),
      reasons: [],
      recommendation: null,
      renewal: null,
      history: [{ week: '2026-11-23', score: 82.3 }],
    });
    expect(text(element, 'no-reasons')).toBe('No single factor stands out.');
    expect(find(element, 'reason-1')).toBeNull();
    expect(find(element, 'recommendation')).toBeNull();
    expect(find(element, 'renewal')).toBeNull();
    expect(find(element, 'value-at-risk')).toBeNull();
    expect(find(element, 'history')).toBeNull();
  });

  it('shows the play buttons to a user with the Run Plays permission', async () => {
    const element = await mountWith(clone(SCORED));
    const labels = ['play-offer', 'play-survey', 'play-check_in', 'feedback'].map(
      (id) => find(element, id).label,
    );
    expect(labels).toEqual([
      'Send retention offer',
      'Ask for feedback',
      'Schedule check-in',
      'This looks wrong',
    ]);
    expect(find(element, 'play-offer').disabled).toBe(false);
  });

  it('shows only "This looks wrong" when the server says the user may not run plays', async () => {
    const element = await mountWith(clone(SCORED), false);
    expect(text(element, 'score')).toBe('82.3');
    const buttons = Array.from(element.shadowRoot.querySelectorAll('lightning-button'));
    expect(buttons.map((button) => button.label)).toEqual(['This looks wrong']);
    expect(find(element, 'play-offer')).toBeNull();
  });

  it('shows no buttons when the server takes neither plays nor a flag from the user', async () => {
    const element = await mountWith(clone(SCORED), false, false);
    expect(text(element, 'score')).toBe('82.3');
    expect(element.shadowRoot.querySelector('lightning-button')).toBeNull();
  });

  it('keeps the plays from a user the server would let run them, when it does not take their flag', async () => {
    const element = await mountWith(clone(SCORED), true, false);
    const buttons = Array.from(element.shadowRoot.querySelectorAll('lightning-button'));
    expect(buttons.map((button) => button.label)).toEqual([
      'Send retention offer',
      'Ask for feedback',
      'Schedule check-in',
    ]);
  });

  it('lets a user without the Run Plays custom permission flag the score, and start no play', async () => {
    // The permission is read when the component's module loads: load a second copy of the
    // component while the user lacks it, on the same LWC engine.
    const lwc = require('lwc');
    let isolated;
    mockHasRunPlays = false;
    try {
      jest.isolateModules(() => {
        jest.doMock('lwc', () => lwc);
        isolated = {
          ChurnRiskCard: require('c/churnRiskCard').default,
          getRisk: require('@salesforce/apex/ChurnRadarCardController.getRisk').default,
          reportWrongScore: require('@salesforce/apex/ChurnRadarCardController.reportWrongScore').default,
        };
      });
    } finally {
      mockHasRunPlays = true;
    }
    isolated.getRisk.mockResolvedValue(answer(clone(SCORED), true));
    const element = createElement('c-churn-risk-card', { is: isolated.ChurnRiskCard });
    element.recordId = CONTACT_ID;
    document.body.appendChild(element);
    await flush();

    expect(text(element, 'score')).toBe('82.3');
    const buttons = Array.from(element.shadowRoot.querySelectorAll('lightning-button'));
    expect(buttons.map((button) => button.label)).toEqual(['This looks wrong']);

    const shown = toasts(element);
    isolated.reportWrongScore.mockResolvedValueOnce(
      JSON.stringify({ id: 4, createdAt: '2026-11-23T07:00:00.000Z', replayed: false }),
    );
    find(element, 'feedback').click();
    await flush();
    expect(isolated.reportWrongScore).toHaveBeenCalledWith({
      contactId: CONTACT_ID,
      scoreId: 991,
      requestKey: expect.stringMatching(/^[\w-]{16,}$/),
    });
    expect(shown).toEqual([
      expect.objectContaining({ message: 'Thanks: the score is flagged for review.', variant: 'success' }),
    ]);
  });
});

describe('a customer who left', () => {
  const churned = () => ({
    ...clone(SCORED),
    status: 'churned',
    customer: {
      status: 'churned',
      since: '2023-04-03T00:00:00.000Z',
      leftOn: '2026-11-22T00:00:00.000Z',
      evidence: 'Renewal lost: Acme renewal',
    },
    score: null,
    trend: null,
    history: [],
    reasons: [],
    recommendation: null,
    renewal: null,
  });

  it('shows when they left, what showed it and since when they were a customer; no score, no plays', async () => {
    const element = await mountWith(churned());
    expect(text(element, 'left-on')).toBe('Left on 22 Nov 2026');
    expect(text(element, 'left-evidence')).toBe('Renewal lost: Acme renewal');
    expect(text(element, 'customer-since')).toBe('3 Apr 2023');
    expect(cardText(element)).toContain('What showed it');
    expect(cardText(element)).toContain('Customer since');
    expect(text(element, 'churned-why')).toBe(
      'No longer a customer — churn risk is scored for active customers only.',
    );
    expect(find(element, 'score')).toBeNull();
    expect(find(element, 'tier')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-button')).toBeNull();
  });

  it('says the date is not recorded when the CRM does not date it', async () => {
    const risk = churned();
    risk.customer.leftOn = null;
    risk.customer.evidence = null;
    const element = await mountWith(risk);
    expect(text(element, 'left-on')).toBe('Left (date not recorded)');
    expect(find(element, 'left-evidence')).toBeNull();
  });
});

describe('no score to show', () => {
  const unscored = (status, extra = {}) => ({
    ...clone(SCORED),
    status,
    customer:
      status === 'prospect' ? { status: 'prospect', since: null, leftOn: null, evidence: null } : null,
    score: null,
    trend: null,
    history: [],
    reasons: [],
    recommendation: null,
    renewal: null,
    ...extra,
  });

  it('says a prospect is not a customer yet', async () => {
    const element = await mountWith(unscored('prospect'));
    expect(text(element, 'prospect')).toBe('Not a customer yet — churn risk is scored for customers only.');
    expect(find(element, 'score')).toBeNull();
    expect(element.shadowRoot.querySelector('lightning-button')).toBeNull();
  });

  it('says a contact not looked at by a run is not scored yet', async () => {
    const element = await mountWith(unscored('not_scored'));
    expect(text(element, 'not-scored')).toBe(
      'Not scored yet This contact has no churn risk score yet; it gets one at the next scoring run.',
    );
    expect(element.shadowRoot.querySelector('lightning-button')).toBeNull();
  });

  it('treats "scored" without a score as not scored', async () => {
    const element = await mountWith(unscored('scored'));
    expect(find(element, 'not-scored')).not.toBeNull();
    expect(find(element, 'score')).toBeNull();
  });

  it('says the org is still syncing, with how many record types are done', async () => {
    const element = await mountWith(
      unscored('syncing', { sync: { complete: false, objectTypesDone: 2, objectTypesTotal: 5 } }),
    );
    expect(text(element, 'syncing')).toBe(
      "Still syncing this org Churn Radar is reading this org's records (2 of 5 record types done). " +
        'This contact gets a score once the first sync and scoring are finished.',
    );
    expect(find(element, 'score')).toBeNull();
  });
});

describe('when the live call fails', () => {
  it('shows the message and a Try again that reloads, keeping the written-back score', async () => {
    getRisk.mockRejectedValueOnce(apexError('Churn Radar could not be reached. Try again in a minute.'));
    const element = mount();
    getRecord.emit(clone(RECORD));
    await flush();

    expect(text(element, 'error')).toContain("Couldn't load the churn risk");
    expect(text(element, 'error-message')).toBe('Churn Radar could not be reached. Try again in a minute.');
    expect(text(element, 'score')).toBe('71.4');
    expect(find(element, 'tier').label).toBe('High risk');
    expect(text(element, 'reason-1')).toBe('Tickets open now: 3');
    expect(find(element, 'play-offer')).toBeNull();

    const retry = find(element, 'retry');
    expect(retry.label).toBe('Try again');
    getRisk.mockResolvedValueOnce(answer(clone(SCORED)));
    retry.click();
    await flush();

    expect(getRisk).toHaveBeenCalledTimes(2);
    expect(getRisk).toHaveBeenLastCalledWith({ contactId: CONTACT_ID });
    expect(find(element, 'error')).toBeNull();
    expect(text(element, 'score')).toBe('82.3');
    expect(find(element, 'play-offer')).not.toBeNull();
  });

  it('shows the error alone when there is no written-back score', async () => {
    getRisk.mockRejectedValueOnce(new Error('Network failure'));
    const element = mount();
    await flush();
    expect(text(element, 'error-message')).toBe('Network failure');
    expect(find(element, 'score')).toBeNull();
  });
});

describe('plays', () => {
  const REQUEST_KEY = expect.stringMatching(/^[\w-]{16,}$/);

  it('starts a play with the contact, the play and a request key, disabling the buttons meanwhile', async () => {
    const element = await mountWith(clone(SCORED));
    const shown = toasts(element);
    const pending = deferred();
    startPlay.mockReturnValueOnce(pending.promise);

    find(element, 'play-offer').click();
    await flush();

    expect(startPlay).toHaveBeenCalledTimes(1);
    expect(startPlay).toHaveBeenCalledWith({ contactId: CONTACT_ID, play: 'offer', requestKey: REQUEST_KEY });
    for (const id of ['play-offer', 'play-survey', 'play-check_in', 'feedback']) {
      expect(find(element, id).disabled).toBe(true);
    }
    expect(shown).toHaveLength(0);

    pending.resolve(
      JSON.stringify({ id: 7, play: 'offer', status: 'pending', outputs: {}, replayed: false }),
    );
    await flush();

    expect(shown).toEqual([
      expect.objectContaining({ message: 'Retention offer requested.', variant: 'success' }),
    ]);
    expect(find(element, 'play-offer').disabled).toBe(false);
  });

  it.each([
    ['play-survey', 'survey', 'Feedback survey requested.'],
    ['play-check_in', 'check_in', 'Check-in requested.'],
  ])('%s starts the %s play and says "%s"', async (id, play, message) => {
    const element = await mountWith(clone(SCORED));
    const shown = toasts(element);
    startPlay.mockResolvedValueOnce(
      JSON.stringify({ id: 8, play, status: 'completed', outputs: {}, replayed: false }),
    );

    find(element, id).click();
    await flush();

    expect(startPlay).toHaveBeenCalledWith({ contactId: CONTACT_ID, play, requestKey: REQUEST_KEY });
    expect(shown).toEqual([expect.objectContaining({ message, variant: 'success' })]);
  });

  it('gives each click its own request key', async () => {
    const element = await mountWith(clone(SCORED));
    startPlay.mockResolvedValue(
      JSON.stringify({ id: 9, play: 'offer', status: 'pending', outputs: {}, replayed: false }),
    );
    find(element, 'play-offer').click();
    await flush();
    find(element, 'play-offer').click();
    await flush();

    const keys = startPlay.mock.calls.map(([params]) => params.requestKey);
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('shows the error in a toast when a play fails, and enables the buttons again', async () => {
    const element = await mountWith(clone(SCORED));
    const shown = toasts(element);
    startPlay.mockRejectedValueOnce(apexError('You do not have permission to run plays.'));

    find(element, 'play-check_in').click();
    await flush();

    expect(shown).toEqual([
      expect.objectContaining({ message: 'You do not have permission to run plays.', variant: 'error' }),
    ]);
    expect(find(element, 'play-check_in').disabled).toBe(false);
  });

  it('reports a wrong score with the contact, the score id and a request key', async () => {
    const element = await mountWith(clone(SCORED));
    const shown = toasts(element);
    reportWrongScore.mockResolvedValueOnce(
      JSON.stringify({ id: 3, createdAt: '2026-11-23T07:00:00.000Z', replayed: false }),
    );

    find(element, 'feedback').click();
    await flush();

    expect(reportWrongScore).toHaveBeenCalledWith({
      contactId: CONTACT_ID,
      scoreId: 991,
      requestKey: REQUEST_KEY,
    });
    expect(shown).toEqual([
      expect.objectContaining({ message: 'Thanks: the score is flagged for review.', variant: 'success' }),
    ]);
  });
});
