"""Read speech clips for Whisper: 16 kHz mono float32, with one clear message per bad file.

Whisper listens at 16 kHz, to one channel, in windows of 30 seconds. A clip that breaks one of
these, or has nothing to hear, or no transcript, is named with its problem and the fix.

    >>> import tempfile, numpy as np, soundfile
    >>> path = Path(tempfile.mkdtemp()) / "hello.wav"
    >>> soundfile.write(path, np.sin(np.linspace(0, 900, 44_100)).astype("float32"), 44_100)
    >>> audio = read_clip(path)
    hello.wav: 44100 Hz resampled to 16000 Hz
    >>> audio.shape, audio.dtype.name
    ((16000,), 'float32')
"""

from __future__ import annotations

from pathlib import Path

SAMPLING_RATE = 16_000
SILENCE_PEAK = 1e-3  # a clip whose loudest sample is below this has nothing to hear


class BadClipError(ValueError):
    """A clip that cannot be used: the message names the file, the problem and the fix.

    >>> isinstance(BadClipError("a.wav: empty"), ValueError)
    True
    """


def read_clip(path, max_seconds: float = 30.0, notes: list | None = None):
    """Read an audio file as 16 kHz mono float32; resample or mix down (and say so), else raise `BadClipError`.

    Notes about repairs (resampled, mixed down) go to `notes` when given, or are printed.

    >>> import tempfile, numpy as np, soundfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> soundfile.write(folder / "quiet.wav", np.zeros(16_000, "float32"), 16_000)
    >>> read_clip(folder / "quiet.wav")
    Traceback (most recent call last):
    ...
    helpers.domains.speech.audio.BadClipError: quiet.wav: the clip is silent (loudest sample 0); re-record it or drop it.
    >>> _ = (folder / "notes.wav").write_text("not audio")
    >>> read_clip(folder / "notes.wav")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    helpers.domains.speech.audio.BadClipError: notes.wav: not a readable audio file (...); convert it to WAV or FLAC.
    """
    import numpy as np
    import soundfile
    import soxr

    path = Path(path)
    say = notes.append if notes is not None else print
    if not path.is_file():
        raise BadClipError(f"{path}: no such file; check the path in your list of clips.")
    try:
        audio, rate = soundfile.read(path, dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise BadClipError(f"{path.name}: not a readable audio file ({str(error)[:80]}); "
                           "convert it to WAV or FLAC.") from None
    if audio.shape[0] == 0:
        raise BadClipError(f"{path.name}: the clip is empty (0 samples); re-export it or drop it.")
    if audio.shape[1] > 1:
        say(f"{path.name}: {audio.shape[1]} channels mixed down to mono")
    audio = audio.mean(axis=1)
    if rate != SAMPLING_RATE:
        say(f"{path.name}: {rate} Hz resampled to {SAMPLING_RATE} Hz")
        audio = soxr.resample(audio, rate, SAMPLING_RATE).astype(np.float32)
    seconds = len(audio) / SAMPLING_RATE
    if seconds > max_seconds:
        raise BadClipError(f"{path.name}: {seconds:.1f} s is longer than the model's {max_seconds:g} s window; "
                           "cut it into shorter clips (or transcribe it with the pipeline's chunk_length_s).")
    peak = float(np.abs(audio).max())
    if peak < SILENCE_PEAK:
        raise BadClipError(f"{path.name}: the clip is silent (loudest sample {peak:.2g}); re-record it or drop it.")
    return audio


def read_recordings(manifest, max_seconds: float = 30.0, text_column: str = "transcript") -> tuple[list[dict], list[str]]:
    """Read every clip a CSV lists (columns ``file`` and `text_column`, paths relative to the CSV).

    Returns (good clips as dicts with ``audio`` and every CSV column, problems). Each bad row is
    named once in the problems and left out; the good clips are all kept. Repairs of many files
    (resampling, mixing down) are summarised in one line.

    >>> import tempfile, numpy as np, soundfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> soundfile.write(folder / "a.wav", 0.1 * np.ones(8_000, "float32"), 16_000)
    >>> _ = (folder / "clips.csv").write_text("file,transcript\\na.wav,hello\\nb.wav,bye\\na.wav,\\n")
    >>> clips, problems = read_recordings(folder / "clips.csv")
    >>> [clip["transcript"] for clip in clips], problems
    (['hello'], ['b.wav: no such file; check the path in your list of clips.', 'clips.csv line 4 (a.wav): empty transcript; write what is said, or drop the row.'])
    """
    import csv
    from collections import Counter

    manifest = Path(manifest)
    with manifest.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise BadClipError(f"{manifest.name}: no rows; it needs a header (file,{text_column}) and one row per clip.")
    missing = [column for column in ("file", text_column) if column not in rows[0]]
    if missing:
        raise BadClipError(f"{manifest.name}: no column {', '.join(map(repr, missing))}; its columns are {list(rows[0])}.")
    clips, problems, notes = [], [], []
    for line, row in enumerate(rows, start=2):
        text = (row[text_column] or "").strip()
        if not text:
            problems.append(f"{manifest.name} line {line} ({row['file']}): empty transcript; write what is said, or drop the row.")
            continue
        try:
            audio = read_clip(manifest.parent / row["file"], max_seconds=max_seconds, notes=notes)
        except BadClipError as problem:
            problems.append(str(problem).replace(str(manifest.parent / row["file"]), row["file"]))
            continue
        clips.append({**row, text_column: text, "audio": audio})
    for repair, count in Counter(note.split(": ", 1)[1] for note in notes).items():
        print(f"{count} clip(s): {repair}")
    return clips, problems
