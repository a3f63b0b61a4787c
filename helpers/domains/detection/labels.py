"""Check a YOLO-format dataset's label files before training, and name every problem by file.

Ultralytics skips a bad label file with a one-line warning in a long log, and trains on the
rest: a dataset with half its labels broken still "works". Check first:

    >>> import tempfile
    >>> from helpers.domains.detection.scenes import write_dataset
    >>> data = write_dataset(tempfile.mkdtemp(), "parts", sizes={"train": 3, "val": 2}, image_size=64)
    >>> check_labels(data)
    []

Problems found: ``malformed`` (not five numbers, or a class that is not a whole number),
``unknown class`` (an id outside ``names``), ``out of range`` (a coordinate outside 0–1, or a
zero-sized box), ``no image`` (a label file without its image) — errors — and ``empty`` (an
empty label file) and ``no label`` (an image without a label file) — which YOLO reads as
background images: fine when meant, a lost annotation when not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ERRORS = ("malformed", "unknown class", "out of range", "no image")
WARNINGS = ("empty", "no label")
IMAGE_SUFFIXES = {".bmp", ".jpeg", ".jpg", ".png", ".tif", ".tiff", ".webp"}


class DatasetError(ValueError):
    """A dataset whose labels would train a wrong model; the message lists the files.

    >>> issubclass(DatasetError, ValueError)
    True
    """


@dataclass(frozen=True)
class LabelProblem:
    """One problem in one file: which file (relative to the dataset root), what kind, and the detail.

    >>> LabelProblem("labels/train/a.txt", "empty", "no boxes").kind in WARNINGS
    True
    """

    file: str
    kind: str
    detail: str


def read_spec(data) -> tuple[Path, dict]:
    """Return the dataset root and the parsed YAML of a dataset file, resolved as Ultralytics does.

    >>> import tempfile
    >>> from helpers.domains.detection.scenes import write_dataset
    >>> data = write_dataset(tempfile.mkdtemp(), "parts", sizes={"val": 1}, image_size=32)
    >>> root, spec = read_spec(data)
    >>> root == data.parent, spec["val"], spec["names"]
    (True, 'images/val', {0: 'bolt', 1: 'nut', 2: 'washer'})
    """
    import yaml

    data = Path(data)
    if not data.is_file():
        raise FileNotFoundError(f"No dataset YAML at {data}: pass the path of your data.yaml.")
    spec = yaml.safe_load(data.read_text()) or {}
    if "names" not in spec:
        raise DatasetError(f"{data} has no 'names': list your classes, e.g. names: {{0: bolt, 1: nut}}.")
    root = Path(spec.get("path") or data.parent)
    if not root.is_absolute():
        root = root if root.exists() else data.parent / root
    return root, spec


def images_of(root: Path, entry) -> list[Path]:
    """The image files of one split entry of a dataset YAML: a folder, a .txt list of paths, or a list of those.

    >>> import tempfile
    >>> from helpers.domains.detection.scenes import write_dataset
    >>> root = write_dataset(tempfile.mkdtemp(), "parts", sizes={"val": 2}, image_size=32).parent
    >>> [image.name for image in images_of(root, "images/val")]
    ['parts_val_0000.png', 'parts_val_0001.png']
    """
    entries = entry if isinstance(entry, list) else [entry]
    found = []
    for item in entries:
        where = root / item
        if where.is_dir():
            found += [p for p in sorted(where.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES]
        elif where.suffix == ".txt" and where.is_file():  # a list of image paths, one per line
            found += [root / line.strip() for line in where.read_text().splitlines() if line.strip()]
        else:
            raise DatasetError(f"The split folder {where} does not exist: check 'path' and the split entries.")
    return found


def label_path(image: Path) -> Path:
    """The label file Ultralytics reads for `image`: `/images/` becomes `/labels/`, the suffix `.txt`.

    >>> label_path(Path("data/images/train/a.png")).as_posix()
    'data/labels/train/a.txt'
    """
    from ultralytics.data.utils import img2label_paths

    return Path(img2label_paths([str(image)])[0])


def _check_lines(text: str, nc: int) -> list[str]:
    """Return (kind, detail) pairs for the problems of one label file's text."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        try:
            values = [float(f) for f in fields]
        except ValueError:
            problems.append(("malformed", f"line {number}: not numbers: {line.strip()[:40]!r}"))
            continue
        if len(values) != 5:
            problems.append(("malformed", f"line {number}: {len(values)} values, expected 5 (class cx cy w h)"))
            continue
        cls, cx, cy, w, h = values
        if not cls.is_integer():
            problems.append(("malformed", f"line {number}: class {fields[0]} is not a whole number"))
        elif not 0 <= cls < nc:
            problems.append(("unknown class", f"line {number}: class {int(cls)} not in 0..{nc - 1}"))
        if not all(0 <= v <= 1 for v in (cx, cy, w, h)) or w <= 0 or h <= 0:
            problems.append(("out of range", f"line {number}: cx cy w h = {cx:g} {cy:g} {w:g} {h:g}, "
                                             "expected normalised values in 0..1 (pixels not divided?)"))
    return problems


def check_labels(data, splits: tuple[str, ...] = ("train", "val", "test")) -> list[LabelProblem]:
    """Check every label file of a YOLO dataset (its data.yaml); return the problems found, by file.

    >>> import tempfile
    >>> from helpers.domains.detection.scenes import write_dataset
    >>> data = write_dataset(tempfile.mkdtemp(), "parts", sizes={"train": 2}, image_size=32)
    >>> _ = (data.parent / "labels" / "train" / "parts_train_0000.txt").write_text("7 0.5 0.5 0.2 0.2\\n")
    >>> check_labels(data)
    [LabelProblem(file='labels/train/parts_train_0000.txt', kind='unknown class', detail='line 1: class 7 not in 0..2')]
    """
    root, spec = read_spec(data)
    names = spec["names"]
    nc = len(names)
    problems: list[LabelProblem] = []

    def add(path: Path, kind: str, detail: str) -> None:
        try:
            shown = path.relative_to(root).as_posix()
        except ValueError:
            shown = str(path)
        problems.append(LabelProblem(shown, kind, detail))

    for split in splits:
        if not spec.get(split):
            continue
        images = images_of(root, spec[split])
        expected = {label_path(image) for image in images}
        for image in images:
            label = label_path(image)
            if not label.exists():
                add(image, "no label", f"no {label.name}: trained as a background image")
                continue
            text = label.read_text()
            if not text.strip():
                add(label, "empty", "no boxes: trained as a background image")
            for kind, detail in _check_lines(text, nc):
                add(label, kind, detail)
        entries = spec[split] if isinstance(spec[split], list) else [spec[split]]
        folders = {label.parent for label in expected} | {label_path(root / e / "_.png").parent for e in entries}
        for folder in sorted(folders):
            if folder.is_dir():
                for orphan in sorted(set(folder.glob("*.txt")) - expected):
                    add(orphan, "no image", "a label file whose image is missing (renamed or deleted?)")
    return problems


def ultralytics_verdicts(data, split: str = "val") -> dict[str, str]:
    """What Ultralytics' own check (``verify_image_label``, run when it caches a split's labels) says of each label file.

    Keys are label files relative to the dataset root, as in `check_labels`; a label file whose image
    is gone is never looked at (Ultralytics starts from the images), so it is reported as unseen.

    >>> import tempfile
    >>> from helpers.domains.detection.scenes import write_dataset
    >>> data = write_dataset(tempfile.mkdtemp(), "parts", sizes={"val": 2}, image_size=32)
    >>> _ = (data.parent / "labels" / "val" / "parts_val_0000.txt").write_text("0 20 10 5 5\\n")
    >>> verdicts = ultralytics_verdicts(data)
    >>> verdicts["labels/val/parts_val_0000.txt"][:40], verdicts["labels/val/parts_val_0001.txt"]
    ('skipped: non-normalized or out of bounds', 'used')
    """
    from ultralytics.data.utils import verify_image_label

    root, spec = read_spec(data)
    nc = len(spec["names"])
    verdicts = {}
    images = images_of(root, spec[split])
    for image in images:
        label = label_path(image)
        result = verify_image_label((str(image), str(label), "", False, nc, 0, 0, False))
        missing, _, empty, corrupt, message = result[5:10]
        if corrupt:
            verdict = "skipped: " + message.split("ignoring corrupt image/label: ")[-1]
        elif missing:
            verdict = "background image (no label file), silently"
        elif empty:
            verdict = "background image (empty label), silently"
        else:
            verdict = "used"
        verdicts[_relative(label, root)] = verdict
    for folder in sorted({label_path(image).parent for image in images}):
        for orphan in sorted(set(folder.glob("*.txt")) - {label_path(image) for image in images}):
            verdicts[_relative(orphan, root)] = "never read (it has no image), silently"
    return verdicts


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def problem_table(problems: list[LabelProblem]):
    """The problems as a pandas table, errors first (one row per problem).

    >>> problem_table([LabelProblem("b.txt", "empty", "no boxes"), LabelProblem("a.txt", "malformed", "line 1")])
        file       kind    detail
    0  a.txt  malformed    line 1
    1  b.txt      empty  no boxes
    """
    import pandas as pd

    table = pd.DataFrame([vars(p) for p in problems], columns=["file", "kind", "detail"])
    order = {kind: i for i, kind in enumerate(ERRORS + WARNINGS)}
    return table.sort_values(["kind", "file"], key=lambda c: c.map(order) if c.name == "kind" else c,
                             ignore_index=True)


def validate_dataset(data, splits: tuple[str, ...] = ("train", "val", "test")) -> list[LabelProblem]:
    """Check a dataset before training: raise `DatasetError` naming the files with errors; warn about the rest.

    Returns the problems (warnings only, when it returns), so a notebook can show them.

    >>> import tempfile
    >>> from helpers.domains.detection.scenes import write_dataset
    >>> data = write_dataset(tempfile.mkdtemp(), "parts", sizes={"train": 2}, image_size=32)
    >>> _ = (data.parent / "labels" / "train" / "parts_train_0001.txt").write_text("0 0.5 0.5 40 30\\n")
    >>> validate_dataset(data)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.domains.detection.labels.DatasetError: 1 label problem(s) in ...
      labels/train/parts_train_0001.txt: out of range — line 1: cx cy w h = 0.5 0.5 40 30, ...
    """
    problems = check_labels(data, splits)
    errors = [p for p in problems if p.kind in ERRORS]
    warnings = [p for p in problems if p.kind in WARNINGS]
    if warnings:
        print(f"{len(warnings)} warning(s): " + "; ".join(f"{p.file} ({p.kind})" for p in warnings[:5])
              + (" …" if len(warnings) > 5 else ""))
    if errors:
        listed = "\n".join(f"  {p.file}: {p.kind} — {p.detail}" for p in errors[:10])
        more = f"\n  … and {len(errors) - 10} more" if len(errors) > 10 else ""
        raise DatasetError(f"{len(errors)} label problem(s) in {data}; fix them before training "
                           f"(see check_labels for all):\n{listed}{more}")
    print(f"✓ labels of {data} checked: no errors.")
    return problems
