"""helpers.domains.text: the emotion asset, its offline stand-in, and loading your own CSV."""

import re
from pathlib import Path

import numpy as np
import pytest

from helpers import assets
from helpers.domains import text


def _words_in(sentence: str, words: list[str]) -> set[str]:
    return {word for word in words if re.search(rf"\b{re.escape(word)}\b", sentence)}


def test_standin_sentences_are_deterministic_with_emotion_labels():
    first = text.emotion_sentences(n_train=30, n_validation=10, n_test=10, seed=5)
    again = text.emotion_sentences(n_train=30, n_validation=10, n_test=10, seed=5)
    assert first["train"]["text"] == again["train"]["text"]
    assert first["train"].features["label"].names == text.LABELS
    assert {len(first[s]) for s in ("train", "validation", "test")} == {30, 10}


def test_validation_and_test_use_only_emotion_words_unseen_in_training():
    data = text.emotion_sentences(n_train=300, n_validation=100, n_test=100, seed=1)
    seen = [w for words in text.EMOTION_WORDS.values() for w in words[:text.SEEN]]
    unseen = [w for words in text.EMOTION_WORDS.values() for w in words[text.SEEN:]]
    for split, allowed, forbidden in (("train", seen, unseen), ("test", unseen, seen), ("validation", unseen, seen)):
        for sentence, label in zip(data[split]["text"], data[split]["label"]):
            assert not _words_in(sentence, forbidden), (split, sentence)
            found = _words_in(sentence, allowed)
            assert found and found <= set(text.EMOTION_WORDS[text.LABELS[label]]), (split, sentence)


def test_bag_of_words_cannot_solve_the_standin_but_labels_are_balanced():
    """The property the lab's baselines rest on: TF-IDF has never seen the test words."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    data = text.emotion_sentences(n_train=600, n_validation=10, n_test=300, seed=0)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000)).fit(data["train"]["text"], data["train"]["label"])
    assert model.score(data["train"]["text"], data["train"]["label"]) > 0.95
    assert model.score(data["test"]["text"], data["test"]["label"]) < 0.3
    assert np.bincount(data["test"]["label"], minlength=6).min() > 25


def test_emotion_asset_resolves_to_the_standin_and_loads(results_dir, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    found = assets.resolve("emotion")
    assert found.source == "stand-in" and "unseen" in found.used
    data = text.load_emotion(found)
    assert {name: len(split) for name, split in data.items()} == {"train": 2000, "validation": 500, "test": 500}
    assert data["test"].features["label"].names == text.LABELS


def test_mapping_the_emotion_asset_writes_nothing_into_the_asset_cache(results_dir, monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    folder = Path(assets.resolve("emotion").path)
    before = sorted(folder.rglob("*"))
    data = text.load_emotion(assets.resolve("emotion"))
    data["train"].shuffle(seed=1).select(range(10)).map(lambda batch: {"n": [len(t) for t in batch["text"]]}, batched=True)
    assert sorted(folder.rglob("*")) == before


@pytest.fixture
def csv_file(tmp_path):
    def write(body: str):
        path = tmp_path / "mine.csv"
        path.write_text(body)
        return path

    return write


def test_load_text_csv_encodes_labels_and_splits_stratified(csv_file):
    rows = "".join(f"text {i},{'good' if i % 2 else 'bad'}\n" for i in range(20))
    data = text.load_text_csv(csv_file("review,stars\n" + rows), text_column="review", label_column="stars", test_size=0.5)
    assert data["train"].features["label"].names == ["bad", "good"]
    assert data["train"].column_names == ["text", "label"]
    assert sorted(data["test"]["label"]) == [0] * 5 + [1] * 5


@pytest.mark.parametrize("body, message", [
    ("sentence,label\nfine,a\nbad,b\n", "no column 'text'"),
    ("text,label\nfine,a\n,b\nok,a\nno,b\n", "empty text on line(s) [3]"),
    ("text,label\nfine,a\nbad,\nok,a\nno,b\n", "empty label on line(s) [3]"),
    ("text,label\nfine,a\nbad,a\n", "needs two classes"),
    ("text,label\nfine,a\nbad,a\nok,b\n", "occur only once"),
])
def test_load_text_csv_names_the_problem(csv_file, body, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        text.load_text_csv(csv_file(body))


def test_load_text_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        text.load_text_csv(tmp_path / "nope.csv")


def test_numeric_labels_become_class_names(csv_file):
    rows = "".join(f"t{i},{i % 3}\n" for i in range(12))
    data = text.load_text_csv(csv_file("text,label\n" + rows), test_size=0.25)
    assert data["train"].features["label"].names == ["0", "1", "2"]
