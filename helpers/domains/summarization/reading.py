"""Read your own documents (CSV or JSONL) for summarization: every problem named with its fix, good rows kept.

    >>> import tempfile; folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "docs.jsonl").write_text('{"document": "Acme Inc. pays $5."}\\n{"document": "  "}\\n')
    >>> documents, problems = read_documents(folder / "docs.jsonl")
    >>> len(documents), problems
    (1, ['docs.jsonl line 2: the document is empty; fill it in or delete the row.'])
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path


class DocumentError(ValueError):
    """A document or a file of documents that cannot be summarized, with what to do about it.

    >>> str(DocumentError("x.csv: no 'document' column"))
    "x.csv: no 'document' column"
    """


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DocumentError(f"{path.name} is not UTF-8 text (byte 0x{raw[error.start]:02x} at position {error.start}): "
                            f"re-save it as UTF-8, for example `iconv -f latin1 -t utf-8 {path.name}`.") from None


def _rows(path: Path) -> list[tuple[int, dict]]:
    if path.suffix.lower() not in (".csv", ".jsonl"):
        raise DocumentError(f"{path.name}: read .csv or .jsonl files (this one is {path.suffix or 'without a suffix'}).")
    text = _text(path)
    if path.suffix.lower() == ".jsonl":
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as error:
                    raise DocumentError(f"{path.name} line {number} is not JSON ({error.msg}): one object per line.") from None
                if not isinstance(row, dict):
                    raise DocumentError(f"{path.name} line {number} is not a JSON object: write {{\"document\": ...}}.")
                rows.append((number, row))
        return rows
    return list(enumerate(csv.DictReader(io.StringIO(text)), start=2))


def read_documents(path, columns=("document",)) -> tuple[list[dict], list[str]]:
    """The rows of a CSV or JSONL file that have every column in `columns`, and one message per row left out.

    A missing column, a file that is not UTF-8 or not a table raises `DocumentError` (nothing can be read);
    an empty document or reference skips that row only.

    >>> import tempfile; csv_file = Path(tempfile.mkdtemp()) / "bills.csv"
    >>> _ = csv_file.write_text("text,summary\\nA bill.,Short.\\n")
    >>> read_documents(csv_file, columns=("document", "summary"))
    Traceback (most recent call last):
    ...
    helpers.domains.summarization.reading.DocumentError: bills.csv has no 'document' column (its columns: text, summary): rename the column that holds the text.
    """
    path = Path(path)
    rows = _rows(path)
    present = list(rows[0][1]) if rows else []
    for column in columns:
        if rows and column not in present:
            raise DocumentError(f"{path.name} has no {column!r} column (its columns: {', '.join(present)}): "
                                f"rename the column that holds the {'text' if column == 'document' else column}.")
    documents, problems = [], []
    for number, row in rows:
        empty = [column for column in columns if not str(row.get(column) or "").strip()]
        if empty:
            what = "document" if "document" in empty else f"{empty[0]!r} value"
            problems.append(f"{path.name} line {number}: the {what} is empty; fill it in or delete the row.")
            continue
        documents.append(dict(row))
    return documents, problems


def check_document(text: str) -> str:
    """`text` stripped, or a `DocumentError` when there is nothing to summarize.

    >>> check_document("   ")
    Traceback (most recent call last):
    ...
    helpers.domains.summarization.reading.DocumentError: the document is empty (or only spaces): there is nothing to summarize.
    """
    if not isinstance(text, str):
        raise DocumentError(f"a document must be text, not {type(text).__name__}: decode bytes with .decode('utf-8').")
    if not text.strip():
        raise DocumentError("the document is empty (or only spaces): there is nothing to summarize.")
    return text.strip()
