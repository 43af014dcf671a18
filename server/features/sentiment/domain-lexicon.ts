/**
 * Support and account language that general-purpose lexicons (built from reviews and social media)
 * misread. In a ticket, "cancel", "refund" and "still waiting" are the plainest signs that a
 * customer is leaving, yet neither VADER nor wink scores them (wink even reads "waiting" as
 * positive); and courtesy such as "please", "support" or "Kind regards" reads as warmth although
 * every support email carries it. A term listed here overrides the general lexicons: it is cut
 * from the text they see and its valence below is added instead (0 means: not a sentiment word).
 *
 * Valences use VADER's scale (-4..4, where "bad" is -2.5 and "good" 1.9), so they add to its sum.
 */
const DOMAIN_VALENCE: Readonly<Record<string, number>> = {
  // Leaving, or asking for the money back.
  cancel: -1.5,
  cancelling: -1.5,
  canceling: -1.5,
  cancelled: -1.5,
  canceled: -1.5,
  cancellation: -1.5,
  unsubscribe: -1.2,
  terminate: -1.5,
  downgrade: -1.0,
  refund: -1.2,
  refunds: -1.2,
  'money back': -1.5,
  chargeback: -2.0,
  'switching to': -1.5,
  'switch to': -1.2,
  competitor: -0.8,
  competitors: -0.8,
  // Staying, or buying more.
  renew: 1.0,
  renewing: 1.0,
  upgrade: 1.0,
  upgraded: 1.0,
  // Support that does not come.
  unresolved: -2.0,
  'still waiting': -2.0,
  waiting: -0.8,
  waited: -0.8,
  'no response': -1.8,
  'no reply': -1.8,
  'no answer': -1.5,
  'never heard back': -1.8,
  'yet again': -1.0,
  'third time': -1.0,
  escalate: -1.5,
  escalated: -1.2,
  escalation: -1.2,
  // A product that fails.
  outage: -2.0,
  downtime: -1.8,
  crashed: -1.7,
  crashes: -1.7,
  crashing: -1.7,
  bug: -1.0,
  bugs: -1.0,
  glitch: -1.0,
  slow: -1.0,
  // "work" alone is mostly a noun ("work order"), so only its failing forms are listed.
  "doesn't work": -1.8,
  'does not work': -1.8,
  "didn't work": -1.8,
  'did not work': -1.8,
  "don't work": -1.8,
  'do not work': -1.8,
  "won't work": -1.8,
  'will not work': -1.8,
  'stopped working': -1.8,
  overcharged: -2.0,
  'charged twice': -2.0,
  'double charged': -2.0,
  // Problems that get solved ("not resolved" turns these negative).
  resolved: 1.5,
  solved: 1.5,
  fixed: 1.2,
  works: 0.8,
  working: 0.8,
  // Courtesy and email boilerplate: no sentiment at all.
  please: 0,
  support: 0,
  dear: 0,
  regards: 0,
  'kind regards': 0,
  'best regards': 0,
  'warm regards': 0,
  'warmest regards': 0,
  'best wishes': 0,
  'thanks in advance': 0,
  'thank you in advance': 0,
};

/** VADER's negation window and scalar: a negator up to three words before flips and damps. */
const NEGATION_WINDOW = 3;
const NEGATION_SCALAR = -0.74;
const NEGATORS = new Set([
  'not',
  'no',
  'never',
  'nothing',
  'nobody',
  'none',
  'neither',
  'nor',
  'without',
  'cannot',
]);
/** VADER's booster step: an intensifier right before a term adds this much to its magnitude. */
const BOOSTER_INCREMENT = 0.293;
const BOOSTERS = new Set([
  'very',
  'really',
  'extremely',
  'so',
  'totally',
  'completely',
  'absolutely',
  'incredibly',
  'super',
  'terribly',
]);

/** Phrases indexed by their first word, longest first, so "still waiting" wins over "waiting". */
const PHRASES_BY_FIRST_WORD: ReadonlyMap<string, readonly string[][]> = (() => {
  const index = new Map<string, string[][]>();
  for (const phrase of Object.keys(DOMAIN_VALENCE)) {
    const words = phrase.split(' ');
    const list = index.get(words[0]!) ?? [];
    list.push(words);
    index.set(words[0]!, list);
  }
  for (const list of index.values()) list.sort((a, b) => b.length - a.length);
  return index;
})();

const WORD = /[a-z0-9]+(?:'[a-z]+)?/g;

export interface DomainReading {
  /** The text with every domain term cut out, for the general lexicons to score. */
  generalText: string;
  /** Sum of the domain terms' valences after negation and intensifiers (VADER's scale). */
  valence: number;
  /** The terms found, in order, for explaining a score. */
  terms: string[];
}

/**
 * Finds the domain terms in a text: what the general lexicons should not see, and what they add.
 * Contractions are expected with a straight apostrophe ("doesn't"), as scoreSentiment writes them.
 */
export function readDomainTerms(text: string): DomainReading {
  const words: { word: string; start: number; end: number }[] = [];
  // Lowercasing keeps string offsets, so the spans found map back to the original text.
  for (const match of text.toLowerCase().matchAll(WORD)) {
    words.push({ word: match[0], start: match.index, end: match.index + match[0].length });
  }
  let valence = 0;
  const terms: string[] = [];
  const cuts: [number, number][] = [];
  for (let i = 0; i < words.length; i++) {
    const phrase = matchPhraseAt(words, i);
    if (!phrase) continue;
    const term = phrase.join(' ');
    let value = DOMAIN_VALENCE[term]!;
    if (value !== 0) {
      const before = words[i - 1]?.word;
      if (before !== undefined && BOOSTERS.has(before)) {
        value += Math.sign(value) * BOOSTER_INCREMENT;
      }
      if (isNegatedAt(words, i)) value *= NEGATION_SCALAR;
      valence += value;
    }
    terms.push(term);
    cuts.push([words[i]!.start, words[i + phrase.length - 1]!.end]);
    i += phrase.length - 1;
  }
  return { generalText: cutSpans(text, cuts), valence, terms };
}

function matchPhraseAt(words: { word: string }[], i: number): string[] | undefined {
  const candidates = PHRASES_BY_FIRST_WORD.get(words[i]!.word);
  return candidates?.find((phrase) => phrase.every((w, k) => words[i + k]?.word === w));
}

function isNegatedAt(words: { word: string }[], i: number): boolean {
  for (let k = Math.max(0, i - NEGATION_WINDOW); k < i; k++) {
    const word = words[k]!.word;
    if (NEGATORS.has(word) || word.endsWith("n't")) return true;
  }
  return false;
}

function cutSpans(text: string, cuts: [number, number][]): string {
  if (cuts.length === 0) return text;
  let out = '';
  let from = 0;
  for (const [start, end] of cuts) {
    out += `${text.slice(from, start)} `;
    from = end;
  }
  return out + text.slice(from);
}
