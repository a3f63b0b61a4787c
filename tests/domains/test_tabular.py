"""helpers.domains.tabular: the Titanic stand-in, the Adult loading path, and the input checks."""

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import assets
from helpers.config import repo_root
from helpers.domains import tabular
from helpers.domains.tabular import TabularInputError

ROOT = repo_root()


@pytest.fixture
def titanic(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    return tabular.load_table(assets.resolve("adult-income", verbose=False))


def test_standin_is_the_full_openml_titanic_table(titanic, results_dir):
    frame, meta = titanic
    assert frame.shape == (1309, 14) and meta["label"] == "survived"
    assert int(frame["survived"].sum()) == 500
    assert frame["age"].isna().sum() == 263 and frame["embarked"].isna().sum() == 2
    assert set(meta["leaky"]) == {"boat", "body"} <= set(frame.columns)
    assert frame.select_dtypes("number").shape[1] >= 5 and frame.select_dtypes("object").shape[1] >= 5


def test_read_arff_agrees_with_scikit_learns_parser():
    from sklearn.externals._arff import loads

    text, _ = tabular._titanic_arff()
    ours = tabular.read_arff(text)
    reference = loads(text)
    theirs = pd.DataFrame(reference["data"], columns=[name for name, _ in reference["attributes"]])
    assert list(ours.columns) == list(theirs.columns) and len(ours) == len(theirs)
    for column in ours.columns:
        mine, other = ours[column], theirs[column]
        assert (mine.isna() == other.isna()).all(), column
        if mine.dtype.kind in "fi":
            assert np.allclose(mine.dropna(), pd.to_numeric(other.dropna())), column
        else:
            assert (mine.dropna().astype(str) == other.dropna().astype(str)).all(), column


def test_adult_files_load_with_the_same_code(tmp_path, monkeypatch):
    """The full-profile path: AutoGluon's CSVs (spaces after commas, '?' for missing, '>50K.' in test)."""
    header = "age,workclass,fnlwgt,education,occupation,native-country,class\n"
    files = {
        "train.csv": header + "39, State-gov, 77516, Bachelors, Adm-clerical, United-States, <=50K\n"
                              "50, ?, 83311, Bachelors, ?, United-States, >50K\n",
        "test.csv": header + "25, Private, 226802, 11th, Machine-op-inspct, ?, <=50K.\n",
    }
    monkeypatch.setattr(tabular.assets, "download", lambda url, path: Path(path).write_text(files[Path(url).name]))
    tabular._fetch_adult(tmp_path)
    frame, meta = tabular.load_table(tmp_path)
    assert meta["label"] == "class" and meta["leaky"] == {} and len(frame) == 3
    assert set(frame["class"]) == {"<=50K", ">50K"}
    assert frame["workclass"].tolist()[0] == "State-gov" and frame["workclass"].isna().tolist() == [False, True, False]
    assert frame[["workclass", "occupation", "native-country"]].isna().sum().tolist() == [1, 1, 1]
    assert frame["age"].dtype.kind == "i"
    assert len(tabular.load_table(tmp_path, rows=2, seed=1)[0]) == 2


def test_a_damaged_sklearn_copy_is_refused(tmp_path, monkeypatch):
    import sklearn

    folder = tmp_path / "datasets" / "tests" / "data" / "openml" / f"id_{tabular.TITANIC_OPENML_ID}"
    folder.mkdir(parents=True)
    source = Path(sklearn.__file__).parent / "datasets" / "tests" / "data" / "openml" / folder.name
    for path in source.glob("*.gz"):
        (folder / path.name).write_bytes(path.read_bytes())
    data = next(folder.glob("data-*.arff.gz"))
    data.write_bytes(gzip.compress(gzip.decompress(data.read_bytes()).replace(b"Allen", b"Allan")))
    monkeypatch.setattr(sklearn, "__file__", str(tmp_path / "__init__.py"))
    with pytest.raises(assets.AssetUnavailableError, match="md5"):
        tabular._titanic_arff()


def test_training_frame_checks_name_the_problem_and_the_fix():
    frame = pd.DataFrame({"age": [30.0, 41.0, np.nan], "job": ["a", "b", None], "income": ["low", "high", "low"]})
    assert tabular.check_training_frame(frame, "income") is None
    with pytest.raises(TabularInputError, match=r"'incme' is not in the data.*Did you mean 'income'\?"):
        tabular.check_training_frame(frame, "incme")
    with pytest.raises(TabularInputError, match=r"1 of 3 rows have no 'income'.*dropna"):
        tabular.check_training_frame(frame.assign(income=["low", None, "high"]), "income")
    with pytest.raises(TabularInputError, match="single value"):
        tabular.check_training_frame(frame.assign(income="low"), "income")
    with pytest.raises(TabularInputError, match=r"notes hold no values at all.*drop\(columns=\['notes'\]\)"):
        tabular.check_training_frame(frame.assign(notes=np.nan), "income")
    with pytest.raises(TabularInputError, match="DataFrame"):
        tabular.check_training_frame(frame.to_dict(), "income")


def test_new_row_checks_raise_on_what_breaks_and_note_the_rest():
    train = pd.DataFrame({"age": [30.0, 41.0, 52.0], "port": ["S", "C", "Q"], "name": ["x", "y", "z"],
                          "label": [0, 1, 0]})
    rows = pd.DataFrame({"age": [np.nan, 35.0], "port": ["S", "Atlantis"], "name": ["w", "x"], "extra": [1, 2]})
    notes = tabular.check_new_rows(rows, train, label="label")
    assert any("'age': 1 missing" in n for n in notes)
    assert any("'Atlantis' never seen" in n for n in notes)
    assert any("extra" in n and "ignored" in n for n in notes)
    with pytest.raises(TabularInputError, match=r"lack column\(s\) port.*add them"):
        tabular.check_new_rows(rows.drop(columns="port"), train, label="label")
    with pytest.raises(TabularInputError, match=r"'age' was numeric.*'unknown'.*pd.to_numeric"):
        tabular.check_new_rows(rows.assign(age=["42", "unknown"]), train, label="label")
    with pytest.raises(TabularInputError, match="numbers stored as text"):
        tabular.check_new_rows(rows.assign(age=["42", "43"]), train, label="label")
    with pytest.raises(TabularInputError, match="DataFrame"):
        tabular.check_new_rows({"age": 3}, train, label="label")


def test_free_text_columns_get_no_unseen_category_notes():
    train = pd.DataFrame({"name": [f"person {i}" for i in range(tabular.MAX_CATEGORIES + 1)], "y": 0})
    assert tabular.check_new_rows(pd.DataFrame({"name": ["someone new"]}), train, label="y") == []


def test_models_folders_are_fresh_and_outside_the_repository(tmp_path, monkeypatch):
    from helpers import files

    monkeypatch.setattr(files.tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(files, "_PROCESS_FOLDER", {})
    stale = tmp_path / files.SCRATCH / "999999999"  # a process id that does not exist
    (stale / "medium").mkdir(parents=True)
    folder = tabular.models_folder("demo")
    assert ROOT not in folder.resolve().parents and folder.parent.name == str(os.getpid())
    assert not stale.exists(), "folders of dead processes are removed"
    folder.mkdir(parents=True)
    (folder / "model.pkl").write_text("old")
    again = tabular.models_folder("demo")
    assert again == folder and not again.exists()
    assert tabular.models_folder("other").parent == folder.parent


def test_measurements(tmp_path):
    (tmp_path / "a").write_bytes(b"x" * 1_000_000)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b").write_bytes(b"x" * 500_000)
    assert tabular.folder_mb(tmp_path) == pytest.approx(1.5)
    assert tabular.folder_mb(tmp_path / "a") == pytest.approx(1.0)


def test_autogluon_predicts_new_rows_as_the_lab_says(tmp_path, monkeypatch):
    """What the lab states about AutoGluon: unseen categories and NaN are fine, text in a numeric column is not."""
    from autogluon.tabular import TabularPredictor

    monkeypatch.chdir(tmp_path)  # AutoGluon must write nothing into the working directory
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    train = pd.DataFrame({"x": x, "colour": rng.choice(["red", "blue"], size=200), "y": np.where(x > 0, "up", "down")})
    folder = tabular.models_folder("test-tiny")
    predictor = TabularPredictor(label="y", path=folder, verbosity=0).fit(
        train, hyperparameters={"GBM": {"num_boost_round": 20}}, num_cpus=1, time_limit=30)
    rows = pd.DataFrame({"x": [2.0, np.nan], "colour": ["green", "red"]})
    assert len(tabular.check_new_rows(rows, train, label="y")) == 2
    assert list(TabularPredictor.load(str(folder)).predict(rows))[0] == "up"
    surprise = rows.assign(x=["2.0", "unknown"])
    with pytest.raises(TabularInputError):
        tabular.check_new_rows(surprise, train, label="y")
    with pytest.raises(ValueError, match="could not convert"):
        predictor.predict(surprise)
    assert list(tmp_path.iterdir()) == []
