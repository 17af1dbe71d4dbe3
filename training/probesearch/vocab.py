"""The text model's vocabulary: which words get an embedding row, initialised from GloVe, and
which of them the model can ground (saw in training captions) or only reach through a GloVe
neighbour. The browser loads the compact JSON written by `save_vocab_json`."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from probesearch.glove import GloveTable, phrase_vector
from probesearch.tokenizer import DEFAULT_RULES, is_single_token

VOCAB_FORMAT_VERSION = 1
# Below this cosine to its nearest training word, the app tells the user the word is probably
# not understood. Chosen on GloVe examples against the caption lexicon's words: synonyms sit
# above it (puppy->dog 0.72, automobile->car 0.68, iphone->smartphone 0.80; notebook->laptop
# 0.59 just misses), words with no close relative below (sunset->beach 0.54, grass->pasture
# 0.55, snowman 0.45, church 0.52). Of a 10k vocabulary's ungrounded words a third clear it.
GROUNDING_THRESHOLD = 0.6


@dataclass
class Vocabulary:
    """words[0] = pad, words[1] = unknown, then required words (own GloVe vector first, then
    borrowed ones), then frequent GloVe words."""

    words: list[str]
    # float32, len(words) x GloVe width. Pad and unknown rows are zeros: pad is masked anyway,
    # and a zero unknown vector adds no meaning (the mean GloVe vector would read as a generic
    # function word); the app reports unknown words to the user instead. wink's own unkVector
    # is zeros too.
    embeddings: np.ndarray
    missing: list[str]  # required words GloVe lacks: not in `words`, the build must fail on them
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {word: position for position, word in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("vocabulary words must be distinct")


def build_vocabulary(
    required_words: Iterable[str],
    size: int,
    glove: GloveTable,
    rules: Mapping[str, Any] = DEFAULT_RULES,
    fallbacks: Mapping[str, str] | None = None,
) -> Vocabulary:
    """`size` words in all: pad, unknown, every required word GloVe has (in GloVe frequency
    order), the required words GloVe lacks but `fallbacks` maps to a GloVe word or phrase whose
    (mean) vector they borrow (alphabetical), then the most frequent GloVe words the tokenizer
    can produce. Required words with neither end up in `missing`, outside the vocabulary."""
    required = set(required_words)
    fallbacks = fallbacks or {}
    unreachable = sorted(word for word in required if not is_single_token(word, rules))
    if unreachable:
        raise ValueError(f"required words the tokenizer never produces: {unreachable}")
    present = sorted((word for word in required if word in glove), key=glove.index.__getitem__)
    borrowed = sorted(word for word in required.difference(present) if word in fallbacks)
    missing = sorted(required.difference(present, borrowed))
    specials = [rules["pad"], rules["unknown"]]
    if len(specials) + len(present) + len(borrowed) > size:
        raise ValueError(f"{len(required)} required words do not fit a vocabulary of {size}")
    words = specials + present + borrowed
    taken = set(words)
    for word in glove.words:
        if len(words) == size:
            break
        # Punctuation, hyphenated and non-ASCII GloVe entries can never come out of the tokenizer.
        if word not in taken and is_single_token(word, rules):
            words.append(word)
            taken.add(word)
    if len(words) < size:
        raise ValueError(f"GloVe table has only {len(words)} usable words, {size} asked")
    embeddings = np.zeros((size, glove.vectors.shape[1]), dtype=np.float32)
    for row, word in enumerate(words[len(specials) :], start=len(specials)):
        borrows = word in fallbacks and word not in glove
        embeddings[row] = phrase_vector(fallbacks[word], glove) if borrows else glove.vector(word)
    return Vocabulary(words=words, embeddings=embeddings, missing=missing)


def suggest_fallbacks(words: Iterable[str], glove: GloveTable) -> dict[str, str]:
    """For words GloVe lacks, a singular form it has (kitties -> kitty, hydrants -> hydrant).
    Only a suggestion: the build states its fallbacks explicitly."""
    suggestions = {}
    for word in sorted(set(words)):
        if word in glove:
            continue
        candidates = [word[:-3] + "y"] if word.endswith("ies") else []
        candidates += [word[:-2]] if word.endswith("es") else []
        candidates += [word[:-1]] if word.endswith("s") else []
        singular = next((candidate for candidate in candidates if candidate in glove), None)
        if singular is not None:
            suggestions[word] = singular
    return suggestions


def grounding(vocab: Vocabulary, seen_words: set[str]) -> list[dict[str, Any]]:
    """Per vocabulary word: grounded (seen in training captions), or its nearest seen word by
    cosine of the vocabulary's GloVe-initialised embeddings, and that similarity. Pad and
    unknown have no neighbour (index -1).

    GloVe cosine tells related from unrelated, not synonym from sibling: puppy->dog 0.72 and
    automobile->car 0.68, but also monkey->cat 0.73 and red->orange 0.71. Show the nearest
    word next to a warning; the threshold only catches words with no close relative."""
    specials = set(vocab.words[:2])
    unusable = sorted(word for word in seen_words if word not in vocab.index or word in specials)
    if unusable:
        raise ValueError(f"seen words outside the vocabulary: {unusable}")
    seen_rows = sorted(vocab.index[word] for word in seen_words)
    if not seen_rows:
        raise ValueError("no seen words: nothing can be grounded")
    norms = np.linalg.norm(vocab.embeddings, axis=1, keepdims=True)
    unit = vocab.embeddings / np.maximum(norms, 1e-12)
    similarities = unit[2:] @ unit[seen_rows].T  # (words - 2) x seen
    best = np.argmax(similarities, axis=1)
    entries = [_special(word) for word in vocab.words[:2]]
    for offset, word in enumerate(vocab.words[2:]):
        row = offset + 2
        grounded = word in seen_words
        nearest = row if grounded else seen_rows[int(best[offset])]
        entries.append(
            {
                "word": word,
                "grounded": grounded,
                "nearest": vocab.words[nearest],
                "nearestIndex": nearest,
                "similarity": 1.0 if grounded else float(similarities[offset, best[offset]]),
            }
        )
    return entries


def _special(word: str) -> dict[str, Any]:
    return {"word": word, "grounded": False, "nearest": None, "nearestIndex": -1, "similarity": 0.0}


def vocab_json(
    vocab: Vocabulary, entries: list[dict[str, Any]], threshold: float = GROUNDING_THRESHOLD
) -> dict[str, Any]:
    """The browser's vocabulary file: words (id = position) and per-word grounding arrays."""
    if [entry["word"] for entry in entries] != vocab.words:
        raise ValueError("grounding entries do not follow the vocabulary's word order")
    return {
        "version": VOCAB_FORMAT_VERSION,
        "words": vocab.words,
        "grounding": {
            "about": "nearest[i]: id of the training-caption word closest to word i (i itself "
            "when word i was seen in training, -1 for pad/unknown); similarity[i]: their GloVe "
            "cosine; words below threshold are probably not understood",
            "threshold": threshold,
            "nearest": [entry["nearestIndex"] for entry in entries],
            "similarity": [round(entry["similarity"], 2) for entry in entries],
        },
    }


def save_vocab_json(
    vocab: Vocabulary,
    entries: list[dict[str, Any]],
    path: Path,
    threshold: float = GROUNDING_THRESHOLD,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(vocab_json(vocab, entries, threshold), separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
