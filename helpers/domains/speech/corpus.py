"""An accented-speech corpus made offline: sentences, speakers and a split that keeps test unseen.

Sentences come from a small grammar of everyday English; speakers are espeak-ng voice variants at
their own rate and pitch. Test (and validation) sentences and test speakers never occur in training.

    >>> train, test = sentence_split(n_train=5, n_test=3, seed=0)
    >>> len(train), len(test), set(train) & set(test)
    (5, 3, set())
"""

from __future__ import annotations

from helpers.domains.speech.voices import Speaker

NAMES = ["anna", "peter", "maria", "james", "sarah", "david", "grace", "thomas", "lucy", "daniel", "ruth", "samuel"]
PLACES = ["the market", "the station", "the harbour", "the library", "the garden", "the kitchen", "the office",
          "the beach", "the church", "the bakery", "the river", "the hospital", "the school", "the farm"]
THINGS = ["the bread", "a letter", "the boat", "some water", "the keys", "a basket of fish", "the tickets",
          "the red bicycle", "a bag of rice", "the old radio", "three oranges", "the heavy box", "a cup of tea",
          "the black umbrella", "the morning paper", "a pair of boots", "the wooden chair", "the blue car"]
VERBS = ["brought", "found", "carried", "sold", "bought", "cleaned", "painted", "opened", "fixed", "dropped",
         "washed", "borrowed", "hid", "moved", "checked", "lost"]
TIMES = ["this morning", "last night", "on sunday", "after lunch", "before the rain", "every evening",
         "at nine o'clock", "yesterday", "in the afternoon", "next week", "at dawn", "on friday"]
ADJECTIVES = ["cold", "bright", "quiet", "busy", "warm", "dark", "crowded", "small", "lovely", "strange"]
# Training sentences come from the first templates, validation and test sentences from the others:
# a model cannot pass the test by memorising sentence shapes, only by hearing the words.
TEMPLATES = [
    "{name} {verb} {thing} to {place} {time}",
    "{time} {name} {verb} {thing} near {place}",
    "please ask {name} to bring {thing} from {place}",
    "we waited at {place} while {name} {verb} {thing}",
    "it was {adjective} at {place} so {name} {verb} {thing}",
    "did {name} remember {thing} {time}",
    "{name} told me that {place} was {adjective} {time}",
    "i think {name} {verb} {thing} {time}",
    "when we reached {place} {name} {verb} {thing}",
    "nobody knew why {name} {verb} {thing} at {place}",
]
HELD_OUT_TEMPLATES = 3  # the last three: validation and test only

# Speakers: espeak-ng voice variants at their own rate and pitch. Training and test speakers differ.
TRAIN_SPEAKERS = [Speaker("m1", 165, 45), Speaker("f2", 180, 65), Speaker("m3", 150, 35), Speaker("f4", 170, 70),
                  Speaker("Andy", 185, 50), Speaker("m7", 160, 40)]
TEST_SPEAKERS = [Speaker("m2", 170, 50), Speaker("f1", 160, 60), Speaker("Alicia", 175, 55)]


def sentence(rng, templates: list[str] = TEMPLATES) -> str:
    """One sentence from the grammar (one of `templates`), drawn with the numpy generator `rng`.

    >>> import numpy as np
    >>> words = sentence(np.random.default_rng(0)).split()
    >>> 5 <= len(words) <= 16
    True
    """
    pick = lambda options: options[rng.integers(len(options))]  # noqa: E731
    return pick(templates).format(name=pick(NAMES), place=pick(PLACES), thing=pick(THINGS), verb=pick(VERBS),
                                  time=pick(TIMES), adjective=pick(ADJECTIVES))


def sentence_split(n_train: int, n_test: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """`n_train` and `n_test` distinct sentences; test sentences come from templates training never uses.

    >>> sentence_split(2, 2, seed=1) == sentence_split(2, 2, seed=1)
    True
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    held_out = len(TEMPLATES) - HELD_OUT_TEMPLATES

    def distinct(n: int, templates: list[str]) -> list[str]:
        unique: dict[str, None] = {}
        while len(unique) < n:
            unique[sentence(rng, templates)] = None
        return list(unique)

    return distinct(n_train, TEMPLATES[:held_out]), distinct(n_test, TEMPLATES[held_out:])
