/**
 * VADER's split of a text into words, without the dictionary vader-sentiment builds for it.
 *
 * The package (1.1.3) strips a token's leading or trailing punctuation mark when what remains is a
 * word of the text; to know which, it builds, for every text it scores, a dictionary of each word
 * of the text joined with each of its 17 punctuation marks on either side (34 strings a word).
 * That dictionary is most of the time VADER spends. `vaderWords` gives the same split by looking
 * each token up, and `installVaderWordSplit` puts it in the package's place.
 */
import vader from 'vader-sentiment';

/** The package's REGEX_REMOVE_PUNCTUATION: ASCII punctuation (`,-.` is the range , - .). */
const PUNCTUATION = /[!"#$%&'()*+,-./:;<=>?@[\\\]^_`{|}~]/g;
/** The package's PUNC_LIST. */
const PUNCTUATION_MARKS = [
  '.',
  '!',
  '?',
  ',',
  ';',
  ':',
  '-',
  "'",
  '"',
  '!!',
  '!!!',
  '??',
  '???',
  '?!?',
  '!?!',
  '?!?!',
  '!?!?',
] as const;
const MARK_CHARACTERS = new Set(PUNCTUATION_MARKS.join(''));

/**
 * The words and emoticons of `text` as VADER reads them: whitespace-separated tokens longer than
 * one character, each stripped of one leading or trailing mark when that leaves a word of the text
 * (a token of the text with its punctuation removed). A word holds no punctuation, so at most one
 * such reading exists, and it is the one the package's dictionary holds.
 */
export function vaderWords(text: string): string[] {
  const words = new Set(
    text
      .replace(PUNCTUATION, '')
      .split(/\s/)
      .filter((w) => w.length > 1),
  );
  return text
    .split(/\s/)
    .filter((token) => token.length > 1)
    .map((token) => {
      if (!MARK_CHARACTERS.has(token[0]!) && !MARK_CHARACTERS.has(token[token.length - 1]!)) return token;
      for (const mark of PUNCTUATION_MARKS) {
        if (token.startsWith(mark) && words.has(token.slice(mark.length))) return token.slice(mark.length);
        if (token.endsWith(mark) && words.has(token.slice(0, -mark.length)))
          return token.slice(0, -mark.length);
      }
      return token;
    });
}

/** The method of the package's SentiText that VADER's split is. */
type WordSplitMethod = (this: { text: string }) => string[];

/** Texts whose split must come out the same both ways before the package's is replaced. */
const PROBES = [
  'The product is GREAT!!! but support... not so much :( "really"',
  "don't you dare -- it's 'fine', isn't it?!? ok!?!? no.",
  ':) :-) <3 hello, world; good: bad- -worse ?!?best !!!yes',
];

let packageSplit: ((text: string) => string[]) | null | undefined;

/**
 * Replaces the package's word split with `vaderWords` (once per process) and returns the
 * package's own split, or null when the package could not be reached or splits differently (a
 * new version): it is then left as it is. The package does not export the class: its prototype is
 * that of the instance the analyzer hands to `sentiment_valence` while scoring a probe.
 */
export function installVaderWordSplit(): ((text: string) => string[]) | null {
  if (packageSplit !== undefined) return packageSplit;
  packageSplit = null;
  const analyzer = vader.SentimentIntensityAnalyzer as unknown as Record<string, unknown>;
  const valence = analyzer.sentiment_valence;
  if (typeof valence !== 'function') return packageSplit;
  let prototype: Record<string, unknown> | undefined;
  analyzer.sentiment_valence = function (this: unknown, ...args: unknown[]): unknown {
    prototype ??= Object.getPrototypeOf(args[1]) as Record<string, unknown>;
    return valence.apply(this, args);
  };
  try {
    vader.SentimentIntensityAnalyzer.polarity_scores('good');
  } finally {
    analyzer.sentiment_valence = valence;
  }
  const sentiText = prototype;
  const own = sentiText?.get_words_and_emoticons;
  if (!sentiText || typeof own !== 'function') return packageSplit;
  const split = (text: string) =>
    (own as WordSplitMethod).call(Object.assign(Object.create(sentiText) as object, { text }));
  const same = PROBES.every((text) => {
    const expected = split(text);
    const actual = vaderWords(text);
    return expected.length === actual.length && expected.every((w, i) => w === actual[i]);
  });
  if (!same) return packageSplit;
  sentiText.get_words_and_emoticons = function (this: { text: string }): string[] {
    return vaderWords(this.text);
  };
  packageSplit = split;
  return packageSplit;
}
