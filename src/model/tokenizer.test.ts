import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTokenizerRules, tokenise, vocabularyIndex } from './tokenizer.ts';
import type { TokenizedText } from './tokenizer.ts';

interface GoldenCase {
  readonly name: string;
  readonly text: string;
  readonly expected: TokenizedText;
}

interface GoldenFile {
  readonly rules: unknown;
  readonly vocabulary: string[];
  readonly cases: GoldenCase[];
}

// Written by training/probesearch/tokenizer_cases.py from the Python tokenizer.
const golden = JSON.parse(
  readFileSync(new URL('../../training/testdata/tokenizer_cases.json', import.meta.url), 'utf8'),
) as GoldenFile;
const rules = parseTokenizerRules(golden.rules);
const vocab = vocabularyIndex(golden.vocabulary);

describe('tokenise matches the Python tokenizer', () => {
  it('has the shared cases', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(golden.cases.map((golden) => [golden.name, golden] as const))('%s', (_name, golden) => {
    expect(tokenise(golden.text, rules, vocab)).toEqual(golden.expected);
  });
});

describe('parseTokenizerRules', () => {
  it('keeps valid rules as they are', () => {
    expect(rules).toEqual(golden.rules);
  });

  const broken: [string, Record<string, unknown>][] = [
    ['unknown version', { version: 2 }],
    ['unknown normal form', { normalize: 'NFX' }],
    ['non-boolean lowercase', { asciiLowercase: 'yes' }],
    ['replacement that is not a pair', { replacements: [['a']] }],
    ['invalid regular expression', { replacements: [['(a', '']] }],
    ['token pattern matching empty text', { tokenPattern: '[a-z]*' }],
    ['wordMap key that is not one token', { wordMap: { 'two words': 'x' } }],
    ['wordMap value without words', { wordMap: { x: '  ' } }],
    ['non-integer maxWords', { maxWords: 2.5 }],
    ['pad equal to unknown', { unknown: '[PAD]' }],
  ];
  it.each(broken)('refuses %s', (_name, change) => {
    expect(() => parseTokenizerRules({ ...(golden.rules as object), ...change })).toThrow(
      /tokenizer rules/,
    );
  });

  it('refuses a missing rules object', () => {
    expect(() => parseTokenizerRules(null)).toThrow(/expected an object/);
  });
});

describe('tokenise', () => {
  it('needs the pad and unknown words in the vocabulary', () => {
    expect(() => tokenise('dog', rules, vocabularyIndex(['[UNK]', 'dog']))).toThrow(/\[PAD\]/);
  });

  it('keeps replacement strings literal', () => {
    // JavaScript would expand $& and Python \g<0> into the matched text ("cat").
    const literal = { ...rules, replacements: [['cat', '\\g<0>x $&y']] as const };
    expect(tokenise('cat', literal, vocab).words).toEqual(['g', 'zero', 'x', 'y']);
  });
});

describe('vocabularyIndex', () => {
  it('maps each word to its position', () => {
    expect(vocabularyIndex(['[PAD]', '[UNK]', 'dog']).get('dog')).toBe(2);
  });

  it('refuses a word listed twice', () => {
    expect(() => vocabularyIndex(['[PAD]', 'dog', 'dog'])).toThrow(/twice/);
  });
});
