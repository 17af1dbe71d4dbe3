"""The Python tokenizer against the golden cases shared with src/model/tokenizer.test.ts."""
import copy
import json

import pytest

from probesearch.tokenizer import (
    DEFAULT_RULES,
    check_portable_pattern,
    check_rules,
    is_single_token,
    split_words,
    tokenise,
)
from probesearch.tokenizer_cases import CASES_PATH, TEXTS, build_cases, render

VOCAB = {"[PAD]": 0, "[UNK]": 1, "dog": 2, "two": 3, "not": 4, "is": 5}


def test_cases_file_is_what_the_python_tokenizer_produces():
    # Fails when the rules or the pipeline changed without regenerating the shared cases.
    assert CASES_PATH.read_text(encoding="utf-8") == render(build_cases())


def test_cases_file_covers_the_required_kinds_of_text():
    cases = json.loads(CASES_PATH.read_text(encoding="utf-8"))["cases"]
    assert len(cases) >= 30
    texts = [case["text"] for case in cases]
    assert "" in texts
    assert any(not text.isascii() for text in texts)
    assert any(case["expected"]["truncated"] for case in cases)
    assert any(case["expected"]["unknownWords"] for case in cases)
    assert len({name for name, _ in TEXTS}) == len(TEXTS)


def test_default_rules_are_valid_and_survive_json():
    check_rules(DEFAULT_RULES)
    assert json.loads(json.dumps(DEFAULT_RULES)) == DEFAULT_RULES


def test_ids_are_padded_to_max_words_and_unknown_words_map_to_unk():
    result = tokenise("Two dogs isn't a dog", DEFAULT_RULES, VOCAB)
    assert result.words == ["two", "dogs", "is", "not", "a", "dog"]
    assert result.ids == [3, 1, 5, 4, 1, 2] + [0] * (DEFAULT_RULES["maxWords"] - 6)
    assert result.unknown_words == ["dogs", "a"]
    assert not result.truncated


def test_truncation_counts_words_after_word_map_expansion():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["maxWords"] = 3
    result = tokenise("dog dont", rules, VOCAB)  # dog do not: exactly 3 words
    assert (result.words, result.truncated) == (["dog", "do", "not"], False)
    result = tokenise("dog dog dont", rules, VOCAB)
    assert (result.words, result.truncated) == (["dog", "dog", "do"], True)
    assert len(result.ids) == 3


def test_replacements_are_literal_strings():
    rules = copy.deepcopy(DEFAULT_RULES)
    # Python would expand \g<0> and JavaScript $& into the match ("cat").
    rules["replacements"] = [["cat", r"\g<0>x $&y"]]
    assert split_words("cat", rules) == ["g", "zero", "x", "y"]


def test_missing_pad_in_vocabulary_fails():
    with pytest.raises(KeyError):
        tokenise("dog", DEFAULT_RULES, {"[UNK]": 0, "dog": 1})


@pytest.mark.parametrize(
    "pattern",
    [".", "a$", "^a", r"\w+", r"\d", r"\s", r"\bdog", "[^a-z]", "(?P<x>a)", "(?i)a", "a*", "é",
     r"\p{L}", "[a-z"],
)
def test_patterns_that_differ_between_python_and_js_are_refused(pattern):
    with pytest.raises(ValueError):
        check_portable_pattern(pattern)


@pytest.mark.parametrize(
    "pattern", [r"[\u0300-\u036f]", "(?<![a-z0-9])can't(?![a-z0-9])", "[a-z]+|[0-9]+", r"\.\$"]
)
def test_portable_patterns_are_accepted(pattern):
    check_portable_pattern(pattern)


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"normalize": "NFX"},
        {"asciiLowercase": "yes"},
        {"tokenPattern": "[a-z]*"},
        {"wordMap": {"two words": "x"}},
        {"wordMap": {"x": "  "}},
        {"maxWords": 0},
        {"unknown": "[PAD]"},
    ],
)
def test_malformed_rules_are_refused(change):
    with pytest.raises(ValueError):
        check_rules({**DEFAULT_RULES, **change})


def test_single_token_words():
    assert is_single_token("dog")
    assert not is_single_token("hot dog")
    assert not is_single_token("t-shirt")
    assert not is_single_token("2")  # becomes "two"
    assert not is_single_token("Dog")
