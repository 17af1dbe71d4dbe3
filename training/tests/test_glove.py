"""GloVe subset loading and lookups: a tiny in-memory table, plus the real cache when present."""
import time

import numpy as np
import pytest

from probesearch.glove import (
    GloveTable,
    cosine,
    glove_available,
    load_glove,
    load_glove_table,
    nearest_words,
    phrase_vector,
)
from probesearch.labels import COCO_LABELS


def tiny_table() -> GloveTable:
    words = ["dog", "cat", "car", "hot", "light"]
    vectors = np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1], [0, 2, 0], [0, 0, -1]], np.float32)
    return GloveTable(words, vectors)


def test_phrase_vector_is_the_mean_of_its_words():
    table = tiny_table()
    np.testing.assert_allclose(phrase_vector("Hot  dog", table), [0.5, 1, 0])
    np.testing.assert_allclose(phrase_vector("cat", table), [0.8, 0.6, 0])


def test_phrase_vector_names_missing_words():
    with pytest.raises(KeyError, match="drier"):
        phrase_vector("hair drier", tiny_table())
    with pytest.raises(KeyError):
        phrase_vector("  ", tiny_table())


def test_nearest_words_ranks_by_cosine_and_leaves_out_the_query_word():
    table = tiny_table()
    assert [word for word, _ in nearest_words(table, "cat", k=2)] == ["dog", "hot"]
    assert nearest_words(table, "dog", k=1)[0][1] == pytest.approx(0.8)
    assert nearest_words(table, np.array([0, 0, 2.0]), k=1) == [("car", pytest.approx(1.0))]
    assert [w for w, _ in nearest_words(table, "car", among=["dog", "light", "zebra"])] == [
        "dog",
        "light",
    ]
    assert cosine(table.vector("car"), table.vector("light")) == pytest.approx(-1)


def test_table_refuses_mismatched_shapes():
    with pytest.raises(ValueError):
        GloveTable(["a", "b"], np.zeros((3, 4), np.float32))


real = pytest.mark.skipif(not glove_available(), reason="wink GloVe package not fetched")


@real
def test_real_subset_is_in_frequency_order_and_loads_fast():
    load_glove()  # builds the cache on first use
    started = time.perf_counter()
    words, vectors = load_glove()
    assert time.perf_counter() - started < 1.0
    assert len(words) == 60_000 and vectors.shape == (60_000, 100)
    assert vectors.dtype == np.float32
    assert words[:4] == ["the", ",", ".", "of"]
    small_words, small_vectors = load_glove(1000, include=["the", "hotdog", "surfboards", "qzxv"])
    # Words beyond the top come after it, in frequency order; words GloVe lacks are left out.
    assert small_words == words[:1000] + ["surfboards", "hotdog"]
    np.testing.assert_array_equal(small_vectors[:1000], vectors[:1000])
    assert small_vectors.shape == (1002, 100)


@real
def test_real_neighbours_and_label_words():
    table = load_glove_table()
    missing = sorted({w for label in COCO_LABELS for w in label.split()} - set(table.words))
    assert missing == [], f"label words outside the GloVe top 60k: {missing}"
    assert cosine(table.vector("puppy"), table.vector("dog")) == pytest.approx(0.72, abs=0.01)
    assert cosine(table.vector("automobile"), table.vector("car")) == pytest.approx(0.68, abs=0.01)
    label_vectors = np.stack([phrase_vector(label, table) for label in COCO_LABELS])
    for word, label in [("puppy", "dog"), ("automobile", "car"), ("phone", "cell phone"),
                        ("sofa", "couch"), ("television", "tv"), ("motorbike", "motorcycle")]:
        similarities = label_vectors @ table.vector(word)
        similarities /= np.linalg.norm(label_vectors, axis=1) * np.linalg.norm(table.vector(word))
        assert COCO_LABELS[int(np.argmax(similarities))] == label, word
