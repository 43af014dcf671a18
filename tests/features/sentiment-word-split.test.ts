import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { generatePortal } from '../../sandbox/generator/index.js';
import { SandboxStore } from '../../sandbox/store.js';
import { readLabelledFiles } from '../../server/features/sentiment/labelled-sentences.js';
import { installVaderWordSplit, vaderWords } from '../../server/features/sentiment/vader-word-split.js';

const datasetDir = fileURLToPath(new URL('../../../shared/datasets/sentiment/', import.meta.url));

/** Customer texts as the generator writes them: ticket subjects and bodies, emails, survey comments. */
function generatedTexts(): string[] {
  const crm = new SandboxStore().createPortal(7);
  generatePortal(crm, { contacts: 300, seed: 3, now: new Date('2026-11-01T00:00:00Z') });
  const texts: string[] = [];
  for (const type of ['tickets', 'emails', 'feedback_submissions'] as const) {
    for (const record of crm.recordsOf(type).values()) {
      for (const value of Object.values(record.properties)) if (value && /\s/.test(value)) texts.push(value);
    }
  }
  return texts;
}

/** Tokens of letters, digits, emoticons and VADER's punctuation marks on either side, seeded. */
function punctuatedTexts(count: number): string[] {
  const parts = ['good', 'BAD', "don't", 'not', 'great', 'x', '12', ':)', ':-(', '<3', 'so-so', 'ok'];
  const marks = [
    '',
    '',
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
    '?!?',
    '!?!?',
    '...',
    '(',
    ')',
  ];
  let state = 17;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  return Array.from({ length: count }, () =>
    Array.from(
      { length: 1 + next(12) },
      () => marks[next(marks.length)]! + parts[next(parts.length)]! + marks[next(marks.length)]!,
    ).join(next(4) === 0 ? '  ' : ' '),
  );
}

describe("VADER's word split without its per-text dictionary", () => {
  const packageSplit = installVaderWordSplit();

  it('takes the place of the package’s own split', () => {
    expect(packageSplit).not.toBeNull();
  });

  it('splits every generated customer text and punctuated text as the package does', () => {
    const texts = [
      ...generatedTexts(),
      ...punctuatedTexts(2000),
      '',
      ' ',
      'a',
      '!!',
      'Wow!!! Great.',
      'ok , fine',
    ];
    expect(texts.length).toBeGreaterThan(2500);
    const differing = texts.filter((t) => JSON.stringify(packageSplit!(t)) !== JSON.stringify(vaderWords(t)));
    expect(differing).toEqual([]);
  });

  (existsSync(datasetDir) ? it : it.skip)(
    'splits the labelled review sentences as the package does',
    async () => {
      const sentences = (await readLabelledFiles(datasetDir)).flatMap((f) => f.sentences.map((s) => s.text));
      expect(sentences.length).toBe(3000);
      const differing = sentences.filter(
        (t) => JSON.stringify(packageSplit!(t)) !== JSON.stringify(vaderWords(t)),
      );
      expect(differing).toEqual([]);
    },
  );
});
