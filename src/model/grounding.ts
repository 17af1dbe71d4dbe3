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

/**
 * Everyday words for detector classes that neither the class name nor the vocabulary's nearest
 * word supplies (people are "man", "girl", "kids"; a "couch" is a "sofa").
 */
const CLASS_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  person: [
    'people',
    'man',
    'men',
    'woman',
    'women',
    'boy',
    'girl',
    'child',
    'children',
    'kid',
    'baby',
    'guy',
    'lady',
    'player',
    'someone',
    'persons',
  ],
  car: ['automobile', 'vehicle'],
  motorcycle: ['motorbike'],
  airplane: ['aeroplane', 'plane', 'aircraft', 'jet', 'airliner'],
  bicycle: ['bike'],
  couch: ['sofa'],
  tv: ['television'],
  'cell phone': ['phone', 'smartphone', 'mobile'],
  dog: ['puppy'],
  cat: ['kitten'],
  'dining table': ['table'],
  donut: ['doughnut'],
};

const IRREGULAR_SINGULAR: Readonly<Record<string, string>> = {
  people: 'person',
  men: 'man',
  women: 'woman',
  children: 'child',
  mice: 'mouse',
  knives: 'knife',
  skis: 'skis',
  scissors: 'scissors',
  glasses: 'glass',
  buses: 'bus',
  sandwiches: 'sandwich',
  benches: 'bench',
  couches: 'couch',
  boxes: 'box',
  dishes: 'dish',
};

/** A plural noun's singular, by simple English rules (enough for the class names). */
export function singular(word: string): string {
  const irregular = IRREGULAR_SINGULAR[word];
  if (irregular !== undefined) return irregular;
  if (word.length > 3 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 2 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * The detector classes (indices into `labels`) a query names: a class whose name or synonym
 * is among the query's words (singular, or the training word they are read as). A two-word
 * class also matches on its last word when that word is not a class of its own ("table" finds
 * "dining table"; "dog" does not find "hot dog").
 */
export function queryClasses(
  grounded: readonly WordGrounding[],
  labels: readonly string[],
): number[] {
  const terms = new Set<string>();
  for (const g of grounded) {
    terms.add(g.word).add(singular(g.word));
    if (g.kind === 'near') terms.add(g.nearest).add(singular(g.nearest));
  }
  const labelSet = new Set(labels);
  const matches: number[] = [];
  labels.forEach((label, classIndex) => {
    const words = label.split(' ');
    const head = words[words.length - 1] ?? label;
    const named =
      words.every((w) => terms.has(w)) ||
      (words.length > 1 && !labelSet.has(head) && terms.has(head)) ||
      (CLASS_SYNONYMS[label] ?? []).some((s) => terms.has(s));
    if (named) matches.push(classIndex);
  });
  return matches;
}
