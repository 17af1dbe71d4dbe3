// The query tokenizer. It interprets rules read from the model pack manifest; the rules and the
// pipeline are defined by training/probesearch/tokenizer.py, and both sides are checked against
// the same golden cases (training/testdata/tokenizer_cases.json). Keep the two in step.
//
// Pipeline: Unicode normalisation -> ASCII lower-casing -> ordered regex replacements with
// literal strings -> tokens = matches of tokenPattern -> wordMap expansion -> first maxWords.
// The build checks that every pattern uses only syntax Python and JavaScript read alike.

export interface TokenizerRules {
  readonly version: 1;
  readonly normalize: 'NFC' | 'NFD' | 'NFKC' | 'NFKD';
  readonly asciiLowercase: boolean;
  readonly replacements: readonly (readonly [pattern: string, literal: string])[];
  readonly tokenPattern: string;
  readonly wordMap: Readonly<Record<string, string>>;
  readonly maxWords: number;
  readonly pad: string;
  readonly unknown: string;
}

export interface TokenizedText {
  /** Exactly maxWords ids, padded with the pad word's id. */
  readonly ids: number[];
  /** The kept words (at most maxWords), unknown ones included. */
  readonly words: string[];
  /** Distinct kept words missing from the vocabulary, in text order. */
  readonly unknownWords: string[];
  /** Whether the text had more than maxWords words. */
  readonly truncated: boolean;
}

const NORMAL_FORMS = ['NFC', 'NFD', 'NFKC', 'NFKD'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compilePattern(pattern: unknown, flags: string, where: string): RegExp {
  if (typeof pattern !== 'string') throw new Error(`tokenizer rules: ${where} must be a string`);
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, flags);
  } catch (error) {
    throw new Error(`tokenizer rules: ${where} ${JSON.stringify(pattern)}: ${String(error)}`, {
      cause: error,
    });
  }
  // A pattern that matches nothing would loop on empty matches; the Python build refuses it too.
  if (new RegExp(pattern).test('')) {
    throw new Error(`tokenizer rules: ${where} ${JSON.stringify(pattern)} matches empty text`);
  }
  return compiled;
}

/** Validates tokenizer rules read from a manifest; throws a message naming what is wrong. */
export function parseTokenizerRules(value: unknown): TokenizerRules {
  if (!isRecord(value)) throw new Error('tokenizer rules: expected an object');
  const { version, normalize, asciiLowercase, replacements, tokenPattern, wordMap } = value;
  const { maxWords, pad, unknown } = value;
  if (version !== 1) throw new Error(`tokenizer rules: unsupported version ${String(version)}`);
  const normalForm = NORMAL_FORMS.find((form) => form === normalize);
  if (normalForm === undefined) {
    throw new Error(`tokenizer rules: normalize must be one of ${NORMAL_FORMS.join(', ')}`);
  }
  if (typeof asciiLowercase !== 'boolean') {
    throw new Error('tokenizer rules: asciiLowercase must be a boolean');
  }
  if (!Array.isArray(replacements)) throw new Error('tokenizer rules: replacements must be a list');
  const pairs = replacements.map((pair: unknown, index): readonly [string, string] => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') {
      throw new Error(`tokenizer rules: replacements[${index}] must be [pattern, literal]`);
    }
    compilePattern(pair[0], 'g', `replacements[${index}]`);
    return [pair[0] as string, pair[1]];
  });
  const tokenRegExp = compilePattern(tokenPattern, 'g', 'tokenPattern');
  if (!isRecord(wordMap)) throw new Error('tokenizer rules: wordMap must be an object');
  const words: Record<string, string> = {};
  for (const [key, mapped] of Object.entries(wordMap)) {
    if (
      typeof mapped !== 'string' ||
      splitOnSpaces(mapped).length === 0 ||
      !fullMatch(tokenRegExp, key)
    ) {
      throw new Error(`tokenizer rules: wordMap ${JSON.stringify(key)} is not token -> words`);
    }
    words[key] = mapped;
  }
  if (typeof maxWords !== 'number' || !Number.isInteger(maxWords) || maxWords < 1) {
    throw new Error('tokenizer rules: maxWords must be a positive integer');
  }
  if (typeof pad !== 'string' || typeof unknown !== 'string' || pad === unknown) {
    throw new Error('tokenizer rules: pad and unknown must be two different strings');
  }
  return {
    version,
    normalize: normalForm,
    asciiLowercase,
    replacements: pairs,
    tokenPattern: tokenRegExp.source,
    wordMap: words,
    maxWords,
    pad,
    unknown,
  };
}

function fullMatch(pattern: RegExp, text: string): boolean {
  return new RegExp(`^(?:${pattern.source})$`).test(text);
}

/** Word -> id for a vocabulary given as its word list (id = position). */
export function vocabularyIndex(words: readonly string[]): ReadonlyMap<string, number> {
  const index = new Map<string, number>();
  words.forEach((word, id) => {
    if (index.has(word)) throw new Error(`vocabulary: ${JSON.stringify(word)} appears twice`);
    index.set(word, id);
  });
  return index;
}

interface CompiledRules {
  readonly replacements: readonly (readonly [RegExp, string])[];
  readonly token: RegExp;
  // A Map, not the rules object: a token such as "constructor" must not find Object.prototype.
  readonly wordMap: ReadonlyMap<string, readonly string[]>;
}

const compiledRules = new WeakMap<TokenizerRules, CompiledRules>();

function compile(rules: TokenizerRules): CompiledRules {
  let compiled = compiledRules.get(rules);
  if (compiled === undefined) {
    compiled = {
      replacements: rules.replacements.map(([pattern, literal]) => [
        new RegExp(pattern, 'g'),
        literal,
      ]),
      token: new RegExp(rules.tokenPattern, 'g'),
      wordMap: new Map(
        Object.entries(rules.wordMap).map(([key, words]) => [key, splitOnSpaces(words)]),
      ),
    };
    compiledRules.set(rules, compiled);
  }
  return compiled;
}

function splitOnSpaces(words: string): string[] {
  return words.split(' ').filter((word) => word !== '');
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 32));
}

/** Every word of `text` under `rules`, before truncation to maxWords. */
export function splitWords(text: string, rules: TokenizerRules): string[] {
  const compiled = compile(rules);
  let normalised = text.normalize(rules.normalize);
  if (rules.asciiLowercase) normalised = asciiLower(normalised);
  for (const [pattern, literal] of compiled.replacements) {
    // A function keeps the replacement literal ("$&" and friends are not expanded).
    normalised = normalised.replace(pattern, () => literal);
  }
  const words: string[] = [];
  for (const match of normalised.matchAll(compiled.token)) {
    words.push(...(compiled.wordMap.get(match[0]) ?? [match[0]]));
  }
  return words;
}

/** Token ids for `text`; `vocab` (see vocabularyIndex) must hold the pad and unknown words. */
export function tokenise(
  text: string,
  rules: TokenizerRules,
  vocab: ReadonlyMap<string, number>,
): TokenizedText {
  const padId = vocab.get(rules.pad);
  const unknownId = vocab.get(rules.unknown);
  if (padId === undefined || unknownId === undefined) {
    throw new Error(`vocabulary lacks ${rules.pad} or ${rules.unknown}`);
  }
  const allWords = splitWords(text, rules);
  const words = allWords.slice(0, rules.maxWords);
  const ids = words.map((word) => vocab.get(word) ?? unknownId);
  while (ids.length < rules.maxWords) ids.push(padId);
  return {
    ids,
    words,
    unknownWords: [...new Set(words.filter((word) => !vocab.has(word)))],
    truncated: allWords.length > words.length,
  };
}
