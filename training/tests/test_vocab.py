"""Vocabulary building, grounding and the browser's vocabulary file."""
import json

import numpy as np
import pytest

from probesearch.glove import GloveTable, glove_available, load_glove_table
from probesearch.labels import COCO_LABELS
from probesearch.vocab import (
    GROUNDING_THRESHOLD,
    Vocabulary,
    build_vocabulary,
    grounding,
    save_vocab_json,
    suggest_fallbacks,
    vocab_json,
)

# Frequency order, like GloVe: punctuation, a hyphenated word and a contraction the tokenizer
# rewrites ("dont" -> "do not") can never be produced, so they must not take vocabulary rows.
WORDS = ["the", ",", "dog", "t-shirt", "cat", "dont", "car", "puppy", "kitty", "red", "hot"]
VECTORS = np.array(
    [
        [0.1, 0.1, 0.1],
        [0.2, 0.0, 0.0],
        [1.0, 0.0, 0.0],
        [0.0, 0.0, 3.0],
        [0.0, 1.0, 0.0],
        [0.5, 0.5, 0.5],
        [0.0, 0.0, 1.0],
        [0.9, 0.3, 0.0],
        [0.2, 0.9, 0.0],
        [0.1, 0.1, -1.0],
        [0.0, 0.5, 0.5],
    ],
    np.float32,
)


@pytest.fixture
def glove() -> GloveTable:
    return GloveTable(WORDS, VECTORS)


def test_vocabulary_order_embeddings_and_missing_words(glove):
    vocab = build_vocabulary({"car", "dog", "zebra"}, size=6, glove=glove)
    # specials, required in GloVe frequency order, then frequent producible words
    assert vocab.words == ["[PAD]", "[UNK]", "dog", "car", "the", "cat"]
    assert vocab.missing == ["zebra"]
    assert vocab.embeddings.dtype == np.float32 and vocab.embeddings.shape == (6, 3)
    np.testing.assert_array_equal(vocab.embeddings[:2], 0)
    for row, word in enumerate(vocab.words[2:], start=2):
        np.testing.assert_array_equal(vocab.embeddings[row], glove.vector(word))


def test_fallbacks_lend_a_vector_to_words_glove_lacks(glove):
    fallbacks = {"kitties": "kitty", "hotdog": "hot dog", "car": "dog"}
    vocab = build_vocabulary({"kitties", "hotdog", "car"}, size=5, glove=glove, fallbacks=fallbacks)
    assert vocab.words == ["[PAD]", "[UNK]", "car", "hotdog", "kitties"]
    assert vocab.missing == []
    np.testing.assert_array_equal(vocab.embeddings[2], glove.vector("car"))  # own vector wins
    np.testing.assert_allclose(vocab.embeddings[3], [0.5, 0.25, 0.25])
    np.testing.assert_array_equal(vocab.embeddings[4], glove.vector("kitty"))
    with pytest.raises(KeyError):
        build_vocabulary({"zebras"}, size=4, glove=glove, fallbacks={"zebras": "zebra"})


def test_suggested_fallbacks_are_singulars_glove_has(glove):
    assert suggest_fallbacks(["kitties", "dogs", "cars", "zebras", "dog"], glove) == {
        "kitties": "kitty",
        "dogs": "dog",
        "cars": "car",
    }


@pytest.mark.parametrize("word", ["Dog", "hot dog", "t-shirt", "2", "dont"])
def test_required_words_the_tokenizer_cannot_produce_are_refused(glove, word):
    with pytest.raises(ValueError, match="never produces"):
        build_vocabulary({word}, size=10, glove=glove)


def test_vocabulary_size_limits(glove):
    with pytest.raises(ValueError, match="do not fit"):
        build_vocabulary({"dog", "cat"}, size=3, glove=glove)
    with pytest.raises(ValueError, match="usable words"):
        build_vocabulary(set(), size=20, glove=glove)


def test_grounding_marks_seen_words_and_finds_nearest_seen_word(glove):
    vocab = build_vocabulary({"dog", "car"}, size=9, glove=glove)
    entries = grounding(vocab, {"dog", "car"})
    by_word = {entry["word"]: entry for entry in entries}
    assert [entry["word"] for entry in entries] == vocab.words
    assert by_word["dog"] == {
        "word": "dog", "grounded": True, "nearest": "dog", "nearestIndex": 2, "similarity": 1.0,
    }
    assert by_word["puppy"]["grounded"] is False
    assert by_word["puppy"]["nearest"] == "dog"
    assert by_word["puppy"]["similarity"] == pytest.approx(0.9 / np.hypot(0.9, 0.3))
    assert by_word["red"]["nearest"] == "dog"  # red is nearer nothing: best of bad options
    assert by_word["[UNK]"]["nearestIndex"] == -1 and by_word["[PAD]"]["similarity"] == 0.0
    with pytest.raises(ValueError, match="outside the vocabulary"):
        grounding(vocab, {"dog", "zebra"})
    with pytest.raises(ValueError, match="no seen words"):
        grounding(vocab, set())


def test_vocab_json_is_compact_and_indexed(glove, tmp_path):
    vocab = build_vocabulary({"dog", "car"}, size=9, glove=glove)
    entries = grounding(vocab, {"dog", "car"})
    path = tmp_path / "vocab.json"
    save_vocab_json(vocab, entries, path)
    saved = json.loads(path.read_text())
    assert saved["words"] == vocab.words
    assert saved["grounding"]["threshold"] == GROUNDING_THRESHOLD
    nearest, similarity = saved["grounding"]["nearest"], saved["grounding"]["similarity"]
    assert nearest[:4] == [-1, -1, 2, 3]
    assert all(round(value, 2) == value for value in similarity)
    assert similarity[vocab.index["puppy"]] == 0.95
    assert nearest[vocab.index["puppy"]] == vocab.index["dog"]
    with pytest.raises(ValueError, match="word order"):
        vocab_json(vocab, entries[::-1])


def test_vocabulary_words_must_be_distinct():
    with pytest.raises(ValueError):
        Vocabulary(words=["[PAD]", "[UNK]", "dog", "dog"], embeddings=np.zeros((4, 3)), missing=[])


real = pytest.mark.skipif(not glove_available(), reason="wink GloVe package not fetched")


@real
def test_real_vocabulary_of_label_words():
    table = load_glove_table()
    label_words = {word for label in COCO_LABELS for word in label.split()}
    # Synonyms sit deep in GloVe's frequency order (puppy 21k, motorbike 24k, kitten 32k).
    vocab = build_vocabulary(label_words, size=40_000, glove=table)
    assert vocab.missing == []
    entries = grounding(vocab, label_words)
    by_word = {entry["word"]: entry for entry in entries}
    for word, nearest in [("puppy", "dog"), ("automobile", "car"), ("sofa", "couch"),
                          ("television", "tv"), ("motorbike", "motorcycle")]:
        assert by_word[word]["nearest"] == nearest
        assert by_word[word]["similarity"] >= GROUNDING_THRESHOLD, word
    for word in ["sunset", "church", "wedding"]:  # no relative among the 80 kinds of objects
        assert by_word[word]["similarity"] < GROUNDING_THRESHOLD, word
    size = len(json.dumps(vocab_json(vocab, entries), separators=(",", ":")))
    assert size < 30 * len(vocab.words)
