/**
 * What the model can ground of a query, from the pack's vocab.json: its word list and its
 * `grounding` arrays (written by training/: nearest[i] is the id of the training-caption word
 * closest to word i in GloVe space, i itself when word i was seen in training, -1 for the
 * pad/unknown words; similarity[i] is their cosine; below `threshold` a word is probably not
 * understood). And which detector classes a query names, for showing the regions that matched.
 * Pure TypeScript, shared by the engine worker and Node scripts.
 */
import { vocabularyIndex } from './tokenizer.ts';

export interface Grounding {
  readonly threshold: number;
  readonly nearest: readonly number[];
  readonly similarity: readonly number[];
}

export interface Vocabulary {
  readonly words: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  /** null for a pack built without grounding arrays: only unknown words can be pointed out. */
  readonly grounding: Grounding | null;
}

/** How the model reads one query word. */
export type WordGrounding =
  /** Seen in the training captions. */
  | { readonly word: string; readonly kind: 'seen' }
  /** Not seen, but close (≥ threshold) to a word that was: read as that word. */
  | {
      readonly word: string;
      readonly kind: 'near';
      readonly nearest: string;
      readonly similarity: number;
    }
  /** In the vocabulary, but far from every training word: probably not understood. */
  | {
      readonly word: string;
      readonly kind: 'weak';
      readonly nearest: string | null;
      readonly similarity: number;
    }
  /** Not in the vocabulary at all. */
  | { readonly word: string; readonly kind: 'unknown' };

export class VocabularyFormatError extends Error {
  override readonly name = 'VocabularyFormatError';
}

function isNumberList(value: unknown, length: number): value is number[] {
  return (
    Array.isArray(value) &&
    value.length === length &&
    value.every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}

/** Validates a parsed vocab.json; throws VocabularyFormatError naming what is wrong. */
export function parseVocabulary(json: unknown): Vocabulary {
  const source = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  const { words, grounding } = source;
  if (!Array.isArray(words) || !words.every((w): w is string => typeof w === 'string')) {
    throw new VocabularyFormatError('has no "words" list of strings');
  }
  let index: ReadonlyMap<string, number>;
  try {
    index = vocabularyIndex(words);
  } catch (error) {
    throw new VocabularyFormatError(String(error), { cause: error });
  }
  if (grounding === undefined) return { words, index, grounding: null };
  const g = typeof grounding === 'object' && grounding !== null ? grounding : {};
  const { threshold, nearest, similarity } = g as Record<string, unknown>;
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw new VocabularyFormatError('grounding.threshold must be a finite number');
  }
  if (!isNumberList(nearest, words.length) || !isNumberList(similarity, words.length)) {
    throw new VocabularyFormatError(
      `grounding.nearest and grounding.similarity must be ${words.length} numbers each`,
    );
  }
  if (nearest.some((n) => !Number.isInteger(n) || n < -1 || n >= words.length)) {
    throw new VocabularyFormatError('grounding.nearest holds an id outside the vocabulary');
  }
  return { words, index, grounding: { threshold, nearest, similarity } };
}

/** How each distinct query word is read, in query order. */
export function groundWords(words: readonly string[], vocabulary: Vocabulary): WordGrounding[] {
  const result: WordGrounding[] = [];
  for (const word of new Set(words)) {
    const id = vocabulary.index.get(word);
    const { grounding } = vocabulary;
    if (id === undefined) {
      result.push({ word, kind: 'unknown' });
    } else if (grounding === null || grounding.nearest[id] === id) {
      result.push({ word, kind: 'seen' });
    } else {
      const nearestId = grounding.nearest[id] ?? -1;
      const nearest = nearestId >= 0 ? (vocabulary.words[nearestId] ?? null) : null;
      const similarity = grounding.similarity[id] ?? 0;
      if (nearest !== null && similarity >= grounding.threshold) {
        result.push({ word, kind: 'near', nearest, similarity });
      } else {
        result.push({ word, kind: 'weak', nearest, similarity });
      }
    }
  }
  return result;
}
