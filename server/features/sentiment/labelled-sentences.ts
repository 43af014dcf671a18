/**
 * Measuring a sentiment scorer on labelled sentences (`sentence<TAB>0|1` per line, the format of
 * the UCI "Sentiment Labelled Sentences" files): binary accuracy at a threshold, and the one
 * threshold chosen on a tuning file and then applied unchanged to the others.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface LabelledSentence {
  text: string;
  positive: boolean;
}

/** The three files, one per domain; thresholds are chosen on the first and applied to all. */
export const LABELLED_FILES = [
  'amazon_cells_labelled.txt',
  'yelp_labelled.txt',
  'imdb_labelled.txt',
] as const;

export async function readLabelledSentences(path: string): Promise<LabelledSentence[]> {
  const text = await readFile(path, 'utf8');
  const sentences: LabelledSentence[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const tab = line.lastIndexOf('\t');
    const label = line.slice(tab + 1).trim();
    if (tab < 0 || (label !== '0' && label !== '1')) {
      throw new Error(`${path}, line ${index + 1}: expected "sentence<TAB>0|1"`);
    }
    sentences.push({ text: line.slice(0, tab).trim(), positive: label === '1' });
  });
  return sentences;
}

export async function readLabelledFiles(
  dir: string,
): Promise<{ file: (typeof LABELLED_FILES)[number]; sentences: LabelledSentence[] }[]> {
  return Promise.all(
    LABELLED_FILES.map(async (file) => ({ file, sentences: await readLabelledSentences(join(dir, file)) })),
  );
}

/** Share of sentences whose side of `threshold` (score above it: positive) matches the label. */
export function accuracyAt(
  scores: readonly number[],
  sentences: readonly LabelledSentence[],
  threshold: number,
) {
  let right = 0;
  sentences.forEach((sentence, i) => {
    if (scores[i]! > threshold === sentence.positive) right++;
  });
  return right / sentences.length;
}

/**
 * The threshold on a 0.01 grid over [-0.5, 0.5] with the best accuracy on these sentences; among
 * equals, the one closest to 0, so that a flat stretch does not push it to an arbitrary edge.
 */
export function chooseThreshold(scores: readonly number[], sentences: readonly LabelledSentence[]): number {
  let best = 0;
  let bestAccuracy = accuracyAt(scores, sentences, 0);
  for (let step = 1; step <= 50; step++) {
    for (const threshold of [step / 100, -step / 100]) {
      const accuracy = accuracyAt(scores, sentences, threshold);
      if (accuracy > bestAccuracy) {
        best = threshold;
        bestAccuracy = accuracy;
      }
    }
  }
  return best;
}
