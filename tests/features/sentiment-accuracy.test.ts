import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { scoreSentiments, type SentimentScore } from '../../server/features/sentiment/index.js';
import {
  accuracyAt,
  chooseThreshold,
  readLabelledFiles,
  type LabelledSentence,
} from '../../server/features/sentiment/labelled-sentences.js';

const TARGET = 0.78;
const datasetDir = fileURLToPath(new URL('../../../shared/datasets/sentiment/', import.meta.url));
const haveDatasets = existsSync(datasetDir);
if (!haveDatasets) {
  console.warn(`sentiment accuracy tests skipped: no labelled sentences at ${datasetDir}`);
}

/** Files below the target, with their accuracy, so a failure says which file and by how much. */
function belowTarget(accuracy: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(accuracy).filter(([, value]) => value < TARGET));
}

(haveDatasets ? describe : describe.skip)('sentiment accuracy on labelled review sentences', () => {
  let files: { file: string; sentences: LabelledSentence[]; scores: SentimentScore[] }[];

  beforeAll(async () => {
    files = (await readLabelledFiles(datasetDir)).map((f) => ({
      ...f,
      scores: scoreSentiments(f.sentences.map((s) => s.text)),
    }));
  });

  it('reads 500 positive and 500 negative sentences from each of the three files', () => {
    expect(
      files.map((f) => [f.file, f.sentences.filter((s) => s.positive).length, f.sentences.length]),
    ).toEqual([
      ['amazon_cells_labelled.txt', 500, 1000],
      ['yelp_labelled.txt', 500, 1000],
      ['imdb_labelled.txt', 500, 1000],
    ]);
  });

  it('reaches 0.78 on Amazon, Yelp and IMDb with one threshold chosen on Amazon alone', () => {
    const compounds = files.map((f) => f.scores.map((s) => s.compound));
    const threshold = chooseThreshold(compounds[0]!, files[0]!.sentences);
    const accuracy = Object.fromEntries(
      files.map((f, i) => [f.file, accuracyAt(compounds[i]!, f.sentences, threshold)]),
    );
    expect(belowTarget(accuracy)).toEqual({});
  });

  it('the label users see (positive at 0.05 and above) also reaches 0.78 on each file', () => {
    const accuracy = Object.fromEntries(
      files.map((f) => {
        const right = f.scores.filter((s, i) => (s.label === 'positive') === f.sentences[i]!.positive);
        return [f.file, right.length / f.sentences.length];
      }),
    );
    expect(belowTarget(accuracy)).toEqual({});
  });
});
