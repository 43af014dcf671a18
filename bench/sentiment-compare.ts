/**
 * Which sentiment scorer the product uses, measured: binary accuracy of each candidate on the three
 * labelled sentence files (500 positive, 500 negative each). The threshold is chosen on the Amazon
 * file alone and applied unchanged to Yelp and IMDb. Also shown: the worst file accuracy over all
 * three choices of tuning file, the accuracy of the product's label rule (positive iff score ≥
 * 0.05, VADER's convention), and throughput.
 *
 *   npx tsx bench/sentiment-compare.ts [dir=../shared/datasets/sentiment]
 */
import { resolve } from 'node:path';
import Afinn from 'sentiment';
import vader from 'vader-sentiment';
import winkNLP from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { NEUTRAL_BAND, scoreSentiment } from '../server/features/sentiment/index.js';
import {
  accuracyAt,
  chooseThreshold,
  LABELLED_FILES,
  readLabelledFiles,
} from '../server/features/sentiment/labelled-sentences.js';

const dir = resolve(process.argv[2] ?? '../shared/datasets/sentiment');
const files = await readLabelledFiles(dir).catch((error: unknown) => {
  console.error(`cannot read the labelled sentences in ${dir}: ${(error as Error).message}`);
  process.exit(2);
});

const afinn = new Afinn();
const wink = winkNLP(model, ['sbd', 'negation', 'sentiment']);
const byVader = (text: string) => vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
const byWink = (text: string) => Number(wink.readDoc(text).out(wink.its.sentiment));
// AFINN sums integer valences; VADER's normalisation maps the sum into [-1, 1] without reordering.
const byAfinn = (text: string) => {
  const sum = afinn.analyze(text).score;
  return sum / Math.sqrt(sum * sum + 15);
};

const candidates: { name: string; chosen?: boolean; score: (text: string) => number }[] = [
  { name: 'vader-sentiment', score: byVader },
  { name: 'sentiment (AFINN-165)', score: byAfinn },
  { name: 'wink-nlp + eng-lite-web-model', score: byWink },
  { name: 'mean of vader and wink', score: (t) => (byVader(t) + byWink(t)) / 2 },
  {
    name: 'product: mean + support lexicon',
    chosen: true,
    score: (t) => scoreSentiment(t).compound,
  },
];

const all = files.flatMap((f) => f.sentences);
const rows = candidates.map((candidate) => {
  for (const sentence of all.slice(0, 300)) candidate.score(sentence.text);
  const started = performance.now();
  const scores = files.map((f) => f.sentences.map((s) => candidate.score(s.text)));
  const perSecond = all.length / ((performance.now() - started) / 1000);
  const threshold = chooseThreshold(scores[0]!, files[0]!.sentences);
  const accuracies = files.map((f, i) => accuracyAt(scores[i]!, f.sentences, threshold));
  const worstOverTuning = Math.min(
    ...files.map((tuning, t) => {
      const chosen = chooseThreshold(scores[t]!, tuning.sentences);
      return Math.min(...files.map((f, i) => accuracyAt(scores[i]!, f.sentences, chosen)));
    }),
  );
  // Just under the band edge, so that "above" means "at or above NEUTRAL_BAND".
  const labelRule = files.map((f, i) => accuracyAt(scores[i]!, f.sentences, NEUTRAL_BAND - 1e-9));
  return { candidate, threshold, accuracies, worstOverTuning, labelRule, perSecond };
});

const header = [
  'candidate',
  'threshold',
  ...LABELLED_FILES.map((f) => f.split('_')[0]!),
  'worst, any tuning file',
  'label rule a/y/i',
  'texts/s',
];
const table = rows.map((r) => [
  `${r.candidate.chosen ? '* ' : '  '}${r.candidate.name}`,
  r.threshold.toFixed(2),
  ...r.accuracies.map((a) => a.toFixed(3)),
  r.worstOverTuning.toFixed(3),
  r.labelRule.map((a) => a.toFixed(3)).join('/'),
  String(Math.round(r.perSecond)),
]);
const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c]!.length)));
const line = (cells: string[]) =>
  cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
console.log(`Binary accuracy, threshold chosen on ${LABELLED_FILES[0]} and applied to all (${dir})`);
console.log(line(header));
for (const row of table) console.log(line(row));
console.log('* the product scorer (server/features/sentiment): vader-sentiment and wink-nlp');
