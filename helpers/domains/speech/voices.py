"""Speech with exact transcripts, made offline by espeak-ng in several English accents.

espeak-ng carries some state from one utterance to the next (echo, pitch flutter), so a clip
depends on what was spoken before it in the process: a corpus built in one fixed order is the
same on every run.

espeak-ng (the library and its voice data ship in the `espeakng-loader` wheel) is driven through
`ctypes`; clips come back as 16 kHz mono float32, the rate Whisper expects.

    >>> sorted(ACCENTS)
    ['caribbean', 'scottish', 'us', 'west_midlands']
    >>> clip = speak("good morning", accent="us")
    >>> clip.dtype.name, 0.3 < len(clip) / SAMPLING_RATE < 3
    ('float32', True)
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass

SAMPLING_RATE = 16_000
# accent name -> espeak-ng voice (lang/gmw/* in espeak-ng's data)
ACCENTS = {"us": "en-us", "caribbean": "en-029", "scottish": "en-gb-scotland", "west_midlands": "en-gb-x-gbcwmd"}
_RATE, _PITCH = 1, 3  # espeak_PARAMETER values
_LOCK = threading.Lock()
_ENGINE: dict = {}


@dataclass(frozen=True)
class Speaker:
    """One synthetic speaker: an espeak-ng voice variant, a speaking rate (words/min) and a pitch (0-100).

    >>> Speaker("m3", 160, 40).name
    'm3-160-40'
    """

    variant: str
    rate: int = 175
    pitch: int = 50

    @property
    def name(self) -> str:
        """The speaker's id: variant, rate and pitch.

        >>> Speaker("f2").name
        'f2-175-50'
        """
        return f"{self.variant}-{self.rate}-{self.pitch}"


def _engine():
    """Load and initialise espeak-ng once per process; return (library, sample rate, chunks list)."""
    if _ENGINE:
        return _ENGINE["lib"], _ENGINE["rate"], _ENGINE["chunks"]
    try:
        import espeakng_loader
    except ImportError as error:
        raise ImportError("Offline speech needs the espeakng-loader wheel: pip install 'finetune-course[speech]'.") from error
    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    retrieval = 1  # AUDIO_OUTPUT_RETRIEVAL: samples come back through the callback, nothing is played
    rate = lib.espeak_Initialize(retrieval, 0, espeakng_loader.get_data_path().encode(), 0)
    if rate <= 0:
        raise RuntimeError(f"espeak-ng did not start (code {rate}); reinstall espeakng-loader.")
    chunks: list = []
    callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

    def collect(samples, count, _events):
        if count > 0:
            chunks.append(bytes(ctypes.string_at(samples, count * 2)))
        return 0

    callback = callback_type(collect)  # kept in _ENGINE: ctypes must not free it
    lib.espeak_SetSynthCallback(callback)
    _ENGINE.update(lib=lib, rate=rate, chunks=chunks, callback=callback)
    return lib, rate, chunks


def speak(text: str, accent: str = "us", speaker: Speaker = Speaker("m1")):
    """Synthesize `text` in `accent` by `speaker`: a 16 kHz mono float32 numpy array in [-1, 1].

    >>> len(speak("yes", accent="scottish", speaker=Speaker("f2", 200, 70))) > 1000
    True
    >>> speak("yes", accent="martian")
    Traceback (most recent call last):
    ...
    ValueError: unknown accent 'martian'; choose one of ['us', 'caribbean', 'scottish', 'west_midlands']
    """
    import numpy as np
    import soxr

    if accent not in ACCENTS:
        raise ValueError(f"unknown accent {accent!r}; choose one of {list(ACCENTS)}")
    lib, rate, chunks = _engine()
    voice = f"{ACCENTS[accent]}+{speaker.variant}".encode()
    encoded = text.encode()
    with _LOCK:  # one synthesizer per process
        chunks.clear()
        if lib.espeak_SetVoiceByName(voice) != 0:
            raise ValueError(f"espeak-ng has no voice {voice.decode()!r}")
        lib.espeak_SetParameter(_RATE, speaker.rate, 0)
        lib.espeak_SetParameter(_PITCH, speaker.pitch, 0)
        lib.espeak_Synth(encoded, len(encoded) + 1, 0, 1, 0, 1, None, None)  # 1: espeakCHARS_UTF8
        lib.espeak_Synchronize()
        samples = np.frombuffer(b"".join(chunks), dtype=np.int16).astype(np.float32) / 32768
    return np.clip(soxr.resample(samples, rate, SAMPLING_RATE), -1, 1).astype(np.float32)
