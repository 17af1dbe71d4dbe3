"""The query tokenizer. Its rules are data: they go into the pack manifest and
src/model/tokenizer.ts interprets the same rules, so Python and the browser split text alike.

Pipeline (both languages, in this order):
  1. Unicode normalisation `normalize` (NFKD: accents become separate combining marks,
     compatibility forms such as full-width letters and ligatures become plain letters).
  2. `asciiLowercase`: A-Z -> a-z only. The token pattern is ASCII, so full Unicode lower-casing
     would change nothing a token can contain, and ASCII is identical in every engine.
  3. `replacements`, in order: every match of the regular expression is replaced by the literal
     string (no $1 / \\1 references). Accent marks, apostrophes and contractions are handled here.
  4. Tokens = the non-overlapping matches of `tokenPattern`, left to right.
  5. `wordMap`: a token equal to a key becomes the key's value split on spaces ("2" -> "two",
     "dont" -> "do not").
  6. The first `maxWords` words are kept; ids are padded with the id of `pad`; words missing
     from the vocabulary get the id of `unknown`.

Python `re` and JavaScript RegExp agree only on a subset of regex syntax, so every pattern is
checked by `check_portable_pattern` (ASCII source, non-ASCII only as \\uXXXX escapes, no `.`,
`$`, `^`, negated classes or \\w \\d \\s \\b shorthands, whose meanings differ between them).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

RULES_VERSION = 1
_NOT_TOKEN_CHAR = "(?![a-z0-9])"
_NO_TOKEN_CHAR_BEFORE = "(?<![a-z0-9])"


class TokenizerRules(TypedDict):
    version: int
    normalize: str
    asciiLowercase: bool
    replacements: list[list[str]]
    tokenPattern: str
    wordMap: dict[str, str]
    maxWords: int
    pad: str
    unknown: str


def _whole(word: str) -> str:
    return f"{_NO_TOKEN_CHAR_BEFORE}{word}{_NOT_TOKEN_CHAR}"


_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()

DEFAULT_RULES: TokenizerRules = {
    "version": RULES_VERSION,
    "normalize": "NFKD",
    "asciiLowercase": True,
    "replacements": [
        # After NFKD an accent is a combining mark after its letter: "café" -> "cafe".
        [r"[\u0300-\u036f]", ""],
        # Typographic apostrophes (‘ ’ ʼ) -> ' so that contractions below match them too.
        [r"[\u2018\u2019\u02bc]", "'"],
        [_whole("can't"), "can not"],
        [_whole("won't"), "will not"],
        [_whole("shan't"), "shall not"],
        [_whole("ain't"), "is not"],
        # Negation matters for search ("no X", "not X"): isn't, don't, doesn't -> is/do/does not.
        ["n't" + _NOT_TOKEN_CHAR, " not"],
        ["'re" + _NOT_TOKEN_CHAR, " are"],
        ["'ve" + _NOT_TOKEN_CHAR, " have"],
        ["'ll" + _NOT_TOKEN_CHAR, " will"],
        ["'m" + _NOT_TOKEN_CHAR, " am"],
        ["'d" + _NOT_TOKEN_CHAR, " would"],
        # Possessive or "is": carries nothing a photo shows ("dog's bowl" -> "dog bowl").
        ["'s" + _NOT_TOKEN_CHAR, " "],
        [_whole("1st"), "first"],
        [_whole("2nd"), "second"],
        [_whole("3rd"), "third"],
    ],
    # Letters and digits form separate tokens ("2dogs" -> "2", "dogs"); everything else
    # (hyphens, punctuation, symbols, emoji, non-Latin scripts) separates tokens.
    "tokenPattern": "[a-z]+|[0-9]+",
    "wordMap": {
        # The GloVe subset has no digit tokens at all: spell small numbers out.
        **{str(number): word for number, word in enumerate(_NUMBER_WORDS)},
        # Contractions typed without the apostrophe ("cant" and "wont" are words: kept).
        **{
            f"{stem}nt": f"{stem} not"
            for stem in "do does did is are was were has have had would should could".split()
        },
        "cannot": "can not",
    },
    "maxWords": 16,
    "pad": "[PAD]",
    "unknown": "[UNK]",
}

_ALLOWED_ESCAPES = set("\\.^$|?*+()[]{}-/'\"")
_ALLOWED_GROUP_OPENERS = ("(?:", "(?=", "(?!", "(?<=", "(?<!")
_NORMAL_FORMS = ("NFC", "NFD", "NFKC", "NFKD")


def check_portable_pattern(pattern: str) -> None:
    """Raise ValueError unless `pattern` means the same to Python `re` and JavaScript RegExp
    (no flags) on any text, and cannot match the empty string."""
    if not pattern.isascii() or not pattern.isprintable():
        raise ValueError(f"{pattern!r}: write non-ASCII characters as \\uXXXX escapes")
    in_class = False
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            escaped = pattern[position + 1 : position + 2]
            hex_digits = pattern[position + 2 : position + 6]
            if escaped == "u" and re.fullmatch("[0-9a-fA-F]{4}", hex_digits):
                position += 6
                continue
            if escaped not in _ALLOWED_ESCAPES or escaped == "":
                raise ValueError(f"{pattern!r}: escape \\{escaped} differs between Python and JS")
            position += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            if pattern[position + 1 : position + 2] == "^":
                raise ValueError(f"{pattern!r}: negated classes split astral characters in JS")
            in_class = True
        elif char in ".$^":
            raise ValueError(f"{pattern!r}: {char!r} differs between Python and JS")
        elif char == "(" and pattern[position + 1 : position + 2] == "?":
            if not pattern.startswith(_ALLOWED_GROUP_OPENERS, position):
                raise ValueError(f"{pattern!r}: only (?: (?= (?! (?<= (?<! groups are portable")
        position += 1
    if in_class:
        raise ValueError(f"{pattern!r}: unclosed character class")
    if re.compile(pattern).match("") is not None:
        raise ValueError(f"{pattern!r} matches the empty string")


def check_rules(rules: Mapping[str, Any]) -> None:
    """Raise ValueError if the rules are malformed or not portable to the TypeScript side."""
    if rules.get("version") != RULES_VERSION:
        raise ValueError(f"tokenizer rules version {rules.get('version')!r} != {RULES_VERSION}")
    if rules["normalize"] not in _NORMAL_FORMS:
        raise ValueError(f"normalize must be one of {_NORMAL_FORMS}")
    if not isinstance(rules["asciiLowercase"], bool):
        raise ValueError("asciiLowercase must be a boolean")
    for pattern, replacement in rules["replacements"]:
        check_portable_pattern(pattern)
        if not isinstance(replacement, str):
            raise ValueError(f"replacement for {pattern!r} must be a string")
    check_portable_pattern(rules["tokenPattern"])
    token_pattern = re.compile(rules["tokenPattern"])
    for key, value in rules["wordMap"].items():
        if not token_pattern.fullmatch(key) or not _split_on_spaces(value):
            raise ValueError(f"wordMap {key!r} -> {value!r}: key must be one token, value words")
    if not isinstance(rules["maxWords"], int) or rules["maxWords"] < 1:
        raise ValueError("maxWords must be a positive integer")
    if rules["pad"] == rules["unknown"]:
        raise ValueError("pad and unknown must be different words")


@dataclass(frozen=True)
class TokenizedText:
    ids: list[int]  # exactly maxWords ids, padded with the pad id
    words: list[str]  # the kept words (at most maxWords), unknown ones included
    unknown_words: list[str]  # distinct kept words missing from the vocabulary, in text order
    truncated: bool  # whether the text had more than maxWords words

    def to_json(self) -> dict[str, Any]:
        """The same object the TypeScript tokenizer returns."""
        return {
            "ids": self.ids,
            "words": self.words,
            "unknownWords": self.unknown_words,
            "truncated": self.truncated,
        }


def split_words(text: str, rules: Mapping[str, Any] = DEFAULT_RULES) -> list[str]:
    """Steps 1-5 of the pipeline: every word of `text`, before truncation."""
    text = unicodedata.normalize(rules["normalize"], text)
    if rules["asciiLowercase"]:
        text = text.translate(_ASCII_LOWER)
    for pattern, replacement in rules["replacements"]:
        # A function replacement keeps the string literal (no backslash processing).
        text = re.sub(pattern, lambda _match, literal=replacement: literal, text)
    words: list[str] = []
    for match in re.finditer(rules["tokenPattern"], text):
        token = match.group(0)
        mapped = rules["wordMap"].get(token)
        words.extend([token] if mapped is None else _split_on_spaces(mapped))
    return words


def _split_on_spaces(words: str) -> list[str]:
    return [word for word in words.split(" ") if word]


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def tokenise(text: str, rules: Mapping[str, Any], vocab: Mapping[str, int]) -> TokenizedText:
    """Token ids for `text` under `rules`, with `vocab` mapping word -> id (must hold pad and
    unknown)."""
    pad_id, unknown_id = vocab[rules["pad"]], vocab[rules["unknown"]]
    all_words = split_words(text, rules)
    words = all_words[: rules["maxWords"]]
    ids = [vocab.get(word, unknown_id) for word in words]
    unknown_words = list(dict.fromkeys(word for word in words if word not in vocab))
    return TokenizedText(
        ids=ids + [pad_id] * (rules["maxWords"] - len(ids)),
        words=words,
        unknown_words=unknown_words,
        truncated=len(all_words) > len(words),
    )


def is_single_token(word: str, rules: Mapping[str, Any] = DEFAULT_RULES) -> bool:
    """Whether the tokenizer can produce `word` as one word (so a vocabulary entry is reachable)."""
    return split_words(word, rules) == [word]
