/**
 * Sentiment of customer text (ticket bodies, inbound emails, feedback comments) as a compound score
 * in [-1, 1] and a label. Two lexicon scorers are averaged, VADER (graded intensity: boosters,
 * capitals, exclamation marks; negation) and wink-nlp (a broader lexicon with multi-word patterns
 * and negation scope), because on the labelled review sentences their mean beats either alone
 * (bench/sentiment-compare.ts). Support and account language is read by a domain lexicon on top.
 * Everything runs in process from the installed packages: no network, no model download.
 */
import vader from 'vader-sentiment';
import winkNLP, { type WinkMethods } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';
import { readDomainTerms } from './domain-lexicon.js';
import { installVaderWordSplit } from './vader-word-split.js';

export type SentimentLabel = 'negative' | 'neutral' | 'positive';

export interface SentimentScore {
  /** -1 (most negative) .. 1 (most positive); 0 when nothing in the text carries sentiment. */
  compound: number;
  label: SentimentLabel;
}

/** VADER's published convention: |compound| below this is neutral. */
export const NEUTRAL_BAND = 0.05;

/** VADER's normalisation constant: compound = sum / sqrt(sum² + ALPHA). */
const ALPHA = 15;

let wink: WinkMethods | undefined;

/** Built on first use: compiling the model's automata is the slow part of starting up. */
function winkPipeline(): WinkMethods {
  // Sentence splitting, negation and sentiment only: tagging and entities would slow it down.
  if (!wink) {
    wink = winkNLP(model, ['sbd', 'negation', 'sentiment']);
    // VADER's own word split builds a dictionary per text; the same split, looked up, is cheaper.
    installVaderWordSplit();
  }
  return wink;
}

export function scoreSentiment(text: string): SentimentScore {
  const compound = compoundOf(text);
  return { compound, label: labelOf(compound) };
}

export function scoreSentiments(texts: readonly string[]): SentimentScore[] {
  return texts.map(scoreSentiment);
}

export function labelOf(compound: number): SentimentLabel {
  if (compound >= NEUTRAL_BAND) return 'positive';
  if (compound <= -NEUTRAL_BAND) return 'negative';
  return 'neutral';
}

function compoundOf(text: string): number {
  if (text.trim() === '') return 0;
  const domain = readDomainTerms(restoreContractions(text));
  const general = generalCompound(domain.generalText);
  if (domain.valence === 0) return round(general);
  // Domain valences join the general score as VADER would have summed them had its lexicon held
  // them: back to a valence sum, add, normalise again.
  return round(normalize(denormalize(general) + domain.valence));
}

function generalCompound(text: string): number {
  if (text.trim() === '') return 0;
  const nlp = winkPipeline();
  const byVader = vader.SentimentIntensityAnalyzer.polarity_scores(text).compound;
  // Typed as string | number because out() serves every its.* helper; sentiment is a number.
  const byWink = Number(nlp.readDoc(text).out(nlp.its.sentiment));
  return (byVader + byWink) / 2;
}

/**
 * Typed text drops or curls the apostrophe ("doesnt", "don’t"); both lexicons recognise negation
 * only in the straight form, so "doesnt work" would otherwise read as praise of the work.
 */
function restoreContractions(text: string): string {
  return text
    .replace(/\u2019/g, "'")
    .replace(/\b(do|does|did|is|was|are|were|has|have|had|could|would|should|wo|ca)nt\b/gi, "$1n't");
}

function normalize(sum: number): number {
  return sum / Math.sqrt(sum * sum + ALPHA);
}

function denormalize(compound: number): number {
  // |compound| = 1 has no finite sum; stop just short of it.
  const c = Math.max(-0.9999, Math.min(0.9999, compound));
  return (c * Math.sqrt(ALPHA)) / Math.sqrt(1 - c * c);
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
