"""Tables for the AutoGluon lab: Adult income online, Titanic offline, and checks with clear errors.

Importing this module registers two assets:

- ``adult-income`` — the UCI Adult census table (48,842 people, 14 mixed numeric and categorical
  columns with missing values; label: income above $50K) from AutoGluon's public tutorial files.
  Offline stand-in: the full Titanic passenger list (1,309 people, 13 mixed columns with missing
  values; label: survived), OpenML dataset 40945, which scikit-learn ships inside its wheel as
  test data (md5-checked against OpenML's record).
- ``mitra-classifier`` — Mitra, AutoGluon's pretrained tabular foundation model (a Tab2D transformer),
  from the Hugging Face Hub. No wheel ships its weights: the offline stand-in is a one-layer Tab2D
  with random weights, so the notebook's real ``hyperparameters={"MITRA": ...}`` call runs offline
  and shows what in-context learning is worth without pretraining.

Both load with the same code, `load_table`, and say which column is the label and which columns
leak it. The checks turn AutoGluon's long tracebacks into one line that names the fix:

    >>> import pandas as pd
    >>> train = pd.DataFrame({"age": [30.0, 41.0], "job": ["a", "b"], "y": [0, 1]})
    >>> check_training_frame(train, "income")
    Traceback (most recent call last):
    ...
    helpers.domains.tabular.TabularInputError: The label column 'income' is not in the data. Its columns are: age, job, y. Pass label= one of them.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import io
import json
import re
from pathlib import Path

from helpers import assets
from helpers.files import scratch_folder

ADULT_URL = "https://autogluon.s3.amazonaws.com/datasets/Inc/{split}.csv"
TITANIC_OPENML_ID = 40945
STANDIN_VERSION = "v1"
MAX_CATEGORIES = 100  # distinct values up to which check_new_rows treats a text column as categories


class TabularInputError(ValueError):
    """Input data that a predictor cannot use as it is; the message says how to fix it.

    >>> issubclass(TabularInputError, ValueError)  # `except ValueError` catches it too
    True
    """


# --- Assets ------------------------------------------------------------------------------------

def _fetch_adult(folder: Path) -> None:
    for split in ("train", "test"):
        assets.download(ADULT_URL.format(split=split), folder / f"{split}.csv")
    assets.write_meta(folder, {
        "dataset": "adult-income", "files": ["train.csv", "test.csv"], "label": "class",
        "na_values": ["?"], "leaky": {},
        "source": "UCI Adult (1994 US census extract), AutoGluon's tutorial copy",
        "task": "does a person earn more than $50K a year?",
    })


def _titanic_arff() -> tuple[str, dict]:
    """Return the text of scikit-learn's copy of OpenML 40945 (Titanic) and OpenML's description."""
    import sklearn

    folder = Path(sklearn.__file__).parent / "datasets" / "tests" / "data" / "openml" / f"id_{TITANIC_OPENML_ID}"
    data = sorted(folder.glob("data-v1-dl-*.arff.gz"))
    description = folder / f"api-v1-jd-{TITANIC_OPENML_ID}.json.gz"
    if not data or not description.exists():
        raise assets.AssetUnavailableError(
            f"scikit-learn {sklearn.__version__} does not ship OpenML {TITANIC_OPENML_ID} in {folder}; "
            "reinstall scikit-learn (pip install --force-reinstall scikit-learn)."
        )
    raw = gzip.decompress(data[0].read_bytes())
    meta = json.loads(gzip.decompress(description.read_bytes()))["data_set_description"]
    if hashlib.md5(raw).hexdigest() != meta["md5_checksum"]:
        raise assets.AssetUnavailableError(f"{data[0]} differs from OpenML's record (md5); reinstall scikit-learn.")
    return raw.decode("utf-8"), meta


def read_arff(text: str):
    """Parse a dense ARFF file as OpenML writes it (double-quoted text, '?' for missing) into a DataFrame.

    >>> read_arff("@relation r\\n@attribute 'x' numeric\\n@attribute 'c' {'a','b'}\\n@data\\n1,\\"a\\"\\n?,b\\n")
         x  c
    0  1.0  a
    1  NaN  b
    """
    import pandas as pd

    header, body = re.split(r"(?im)^@data\s*$", text, maxsplit=1)
    names = re.findall(r"(?im)^@attribute\s+'?([^'\s]+)'?\s+", header)
    return pd.read_csv(io.StringIO(body), header=None, names=names, na_values=["?"],
                       quotechar='"', escapechar="\\", skip_blank_lines=True)


def _titanic_standin(folder: Path) -> None:
    text, openml = _titanic_arff()
    read_arff(text).to_csv(folder / "data.csv", index=False)
    assets.write_meta(folder, {
        "dataset": "titanic", "files": ["data.csv"], "label": "survived", "na_values": [], "leaky": {
            "boat": "the lifeboat a passenger left in: only survivors have one",
            "body": "the number given to a recovered body: only victims have one",
        },
        "source": f"OpenML {TITANIC_OPENML_ID} ({openml['name']}, {openml['description'].splitlines()[0]}), "
                  "shipped in scikit-learn's wheel",
        "task": "did a passenger survive the sinking of the Titanic?",
    })


assets.register(assets.Asset(
    name="adult-income", kind="dataset",
    description="UCI Adult income (48,842 people, 14 mixed columns with missing values) from AutoGluon's tutorial files",
    fetch=_fetch_adult, probe_url="https://autogluon.s3.amazonaws.com",
    standin=lambda: assets.cached_standin(f"titanic-openml-{STANDIN_VERSION}", _titanic_standin),
    standin_description="the full Titanic passenger list (1,309 people, OpenML 40945) shipped in scikit-learn's wheel",
))


MITRA_REPO = "autogluon/mitra-classifier"


def _mitra_standin(folder: Path) -> None:
    import torch
    from autogluon.tabular.models.mitra._internal.models.tab2d import Tab2D

    torch.manual_seed(0)
    # Mitra's classifier head (10 class outputs, 4 heads) at 1 layer of 12 and dim 64 instead of 512.
    Tab2D(dim=64, dim_output=10, n_layers=1, n_heads=4, task="CLASSIFICATION", use_pretrained_weights=False,
          path_to_weights="", device="cpu").save_pretrained(str(folder))


assets.register(assets.Asset(
    name="mitra-classifier", kind="model",
    description=f"Mitra, AutoGluon's pretrained tabular foundation model ({MITRA_REPO} on the Hugging Face Hub)",
    fetch=assets.fetch_hub(MITRA_REPO, ["config.json", "model.safetensors"]), probe_url=assets.HUB_URL,
    standin=lambda: assets.cached_standin(f"mitra-random-{STANDIN_VERSION}", _mitra_standin),
    standin_description="Mitra's architecture (Tab2D, 1 layer of 12, width 64) with random weights: no wheel ships Mitra",
))


def load_table(asset, rows: int | None = None, seed: int = 0):
    """Return `(frame, meta)` for a resolved table asset; `rows` draws a seeded random subset.

    `meta` names the label column (`meta["label"]`) and the columns that leak it
    (`meta["leaky"]`, column → why). Text cells are stripped of stray spaces.

    >>> frame, meta = load_table(assets.resolve("adult-income", verbose=False), rows=5)
    >>> len(frame), meta["label"] in frame.columns, set(meta["leaky"]) <= set(frame.columns)
    (5, True, True)
    """
    import pandas as pd

    folder = Path(asset)  # a resolved asset is path-like
    meta = assets.read_meta(folder)
    parts = [pd.read_csv(folder / name, skipinitialspace=True, na_values=meta["na_values"] or None)
             for name in meta["files"]]
    frame = pd.concat(parts, ignore_index=True)
    label = meta["label"]
    if frame[label].dtype == object:  # UCI's test file writes '>50K.' where the train file has '>50K'
        frame[label] = frame[label].str.strip().str.rstrip(".")
    if rows is not None and rows < len(frame):
        frame = frame.sample(n=rows, random_state=seed).reset_index(drop=True)
    return frame, meta


# --- Checks with clear messages ----------------------------------------------------------------

def _listing(names, limit: int = 15) -> str:
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names)} in all)" if len(names) > limit else "")


def check_training_frame(frame, label: str) -> None:
    """Raise `TabularInputError` if `frame` cannot train a predictor of `label` as it is.

    Catches a missing (or misspelt) label column, rows without a label, a label with one class,
    and columns with no values at all (AutoGluon would drop those silently).

    >>> import pandas as pd
    >>> check_training_frame(pd.DataFrame({"age": [30.0, 41.0], "y": ["no", "yes"]}), "y")  # fine: None
    >>> check_training_frame(pd.DataFrame({"age": [30.0, 41.0], "y": ["no", "no"]}), "y")
    Traceback (most recent call last):
    ...
    helpers.domains.tabular.TabularInputError: The label 'y' has a single value ('no'): there is nothing to learn.
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise TabularInputError(f"Expected a pandas DataFrame, got {type(frame).__name__}: wrap it with pd.DataFrame(...).")
    if label not in frame.columns:
        close = difflib.get_close_matches(str(label), [str(c) for c in frame.columns], n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise TabularInputError(
            f"The label column {label!r} is not in the data. Its columns are: {_listing(frame.columns)}."
            f"{hint} Pass label= one of them.")
    unlabelled = int(frame[label].isna().sum())
    if unlabelled:
        raise TabularInputError(
            f"{unlabelled} of {len(frame)} rows have no {label!r}: drop them first, "
            f"frame.dropna(subset=[{label!r}]).")
    if frame[label].nunique() < 2:
        raise TabularInputError(f"The label {label!r} has a single value ({frame[label].iloc[0]!r}): there is nothing to learn.")
    empty = [c for c in frame.columns if frame[c].isna().all()]
    if empty:
        raise TabularInputError(
            f"Column(s) {_listing(empty)} hold no values at all (every row is missing): drop them, "
            f"frame.drop(columns={empty!r}), or fix how the file was read.")


def check_new_rows(rows, train, label: str | None = None) -> list[str]:
    """Check rows to predict against the training frame; raise on what breaks, return notes on the rest.

    Raises `TabularInputError` for missing columns and for a column that was numeric in training
    but holds text now (a "dtype surprise"). Returns notes for what AutoGluon handles by itself:
    missing values, categories never seen in training, extra columns.

    >>> import pandas as pd
    >>> train = pd.DataFrame({"age": [30.0, 41.0], "job": ["a", "b"], "y": [0, 1]})
    >>> for note in check_new_rows(pd.DataFrame({"age": [float("nan")], "job": ["c"]}), train, label="y"):
    ...     print(note)
    'age': 1 missing value(s); the models handle them as in training
    'job': 'c' never seen in training; AutoGluon treats an unseen category like a missing value
    >>> check_new_rows(pd.DataFrame({"job": ["a"]}), train, label="y")
    Traceback (most recent call last):
    ...
    helpers.domains.tabular.TabularInputError: The new rows lack column(s) age that the model was trained on: add them (use NaN where a value is unknown).
    """
    import pandas as pd
    from pandas.api.types import is_numeric_dtype

    if not isinstance(rows, pd.DataFrame):
        raise TabularInputError(
            f"New rows must be a pandas DataFrame, got {type(rows).__name__}: e.g. pd.DataFrame([row_as_dict]).")
    features = [c for c in train.columns if c != label]
    missing = [c for c in features if c not in rows.columns]
    if missing:
        raise TabularInputError(
            f"The new rows lack column(s) {_listing(missing)} that the model was trained on: "
            "add them (use NaN where a value is unknown).")
    notes = []
    for column in features:
        new, old = rows[column], train[column]
        if is_numeric_dtype(old) and not is_numeric_dtype(new) and new.notna().any():
            parsed = pd.to_numeric(new, errors="coerce")
            bad = new[parsed.isna() & new.notna()].astype(str).unique().tolist()
            what = f"text that is not a number ({_listing(repr(b) for b in bad)})" if bad else "numbers stored as text"
            raise TabularInputError(
                f"Column {column!r} was numeric in training but the new rows hold {what}: convert it, "
                f"rows[{column!r}] = pd.to_numeric(rows[{column!r}], errors='coerce') (unparseable text becomes missing).")
        if new.isna().any():
            notes.append(f"{column!r}: {int(new.isna().sum())} missing value(s); the models handle them as in training")
        if not is_numeric_dtype(old) and old.nunique() <= MAX_CATEGORIES:  # beyond that AutoGluon reads text
            unseen = sorted(set(new.dropna().astype(str)) - set(old.dropna().astype(str)))
            if unseen:
                notes.append(f"{column!r}: {_listing(repr(u) for u in unseen)} never seen in training; "
                             "AutoGluon treats an unseen category like a missing value")
    extra = [c for c in rows.columns if c not in features]
    if extra:
        notes.append(f"column(s) {_listing(extra)} not used by the model; ignored")
    return notes


# --- Model folders and measurements ------------------------------------------------------------

def models_folder(name: str) -> Path:
    """Return an empty folder for one predictor's models, outside the repository.

    AutoGluon writes every model it trains to disk (by default under ./AutogluonModels). The
    course puts them in a temporary folder per Python process, removed when it exits (or by the
    next run, if it was killed), so two notebooks never share one and nothing lands next to the
    notebooks. Copy a predictor you want to keep with ``predictor.clone(path)``.

    >>> folder = models_folder("demo")
    >>> folder.name, folder.exists(), folder.parent.is_dir()  # AutoGluon creates it
    ('models-demo', False, True)
    """
    return scratch_folder(f"models-{name}", create=False)  # AutoGluon makes the folder itself


def folder_mb(path) -> float:
    """Size on disk of a file or of every file under a folder, in MB.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.bin").write_bytes(bytes(500_000))
    >>> folder_mb(folder), folder_mb(folder / "a.bin")
    (0.5, 0.5)
    """
    path = Path(path)
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6
