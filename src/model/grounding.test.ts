import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groundWords, parseVocabulary } from './grounding.ts';

// words:        0 pad  1 unk  2 dog  3 puppy  4 sunset  5 cat  6 a
const vocab = parseVocabulary({
  words: ['[PAD]', '[UNK]', 'dog', 'puppy', 'sunset', 'cat', 'a'],
  grounding: {
    threshold: 0.6,
    nearest: [-1, -1, 2, 2, 5, 5, 6],
    similarity: [0, 0, 1, 0.81, 0.2, 1, 1],
  },
});

describe('parseVocabulary', () => {
  it('refuses grounding arrays that do not fit the word list', () => {
    expect(() =>
      parseVocabulary({
        words: ['a', 'b'],
        grounding: { threshold: 0.5, nearest: [0], similarity: [1] },
      }),
    ).toThrow(/2 numbers each/);
    expect(() =>
      parseVocabulary({
        words: ['a', 'b'],
        grounding: { threshold: 0.5, nearest: [0, 7], similarity: [1, 1] },
      }),
    ).toThrow(/outside the vocabulary/);
    expect(() => parseVocabulary({ words: 'a b' })).toThrow(/words/);
  });

  it('reads a vocabulary without grounding as knowing every word it has', () => {
    const plain = parseVocabulary({ words: ['[PAD]', 'dog'] });
    expect(plain.grounding).toBeNull();
    expect(groundWords(['dog', 'cow'], plain)).toEqual([
      { word: 'dog', kind: 'seen' },
      { word: 'cow', kind: 'unknown' },
    ]);
  });
});

describe('groundWords', () => {
  it('tells seen, near, weak and unknown words apart, once each, in query order', () => {
    expect(groundWords(['a', 'puppy', 'sunset', 'zebra', 'puppy'], vocab)).toEqual([
      { word: 'a', kind: 'seen' },
      { word: 'puppy', kind: 'near', nearest: 'dog', similarity: 0.81 },
      { word: 'sunset', kind: 'weak', nearest: 'cat', similarity: 0.2 },
      { word: 'zebra', kind: 'unknown' },
    ]);
  });
});

const BUNDLED = resolve(import.meta.dirname, '../../public/models/cpb-coco80-v1/vocab.json');

describe.skipIf(!existsSync(BUNDLED))('the bundled vocabulary', () => {
  it('parses, and knows pad and unknown as ungrounded', () => {
    const bundled = parseVocabulary(JSON.parse(readFileSync(BUNDLED, 'utf8')));
    expect(bundled.grounding).not.toBeNull();
    expect(bundled.grounding?.nearest[0]).toBe(-1);
    expect(groundWords(['dog'], bundled)).toEqual([{ word: 'dog', kind: 'seen' }]);
  });
});
