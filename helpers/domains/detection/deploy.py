"""Deploying Project P2's detector: which nodes of an exported YOLO graph INT8 quantization must leave alone.

A YOLO detection head ends in a *decode* step: it turns the box branch into pixel coordinates
(0 … image size) and the class branch into probabilities (0 … 1), and concatenates both into one
output tensor. Static INT8 quantization gives each tensor one scale: shared by values up to 192 and
values below 1, the probabilities round to zero and every detection disappears. The convolutions —
nearly all the arithmetic — quantize well; the decode stays in float.

    >>> decode_nodes.__name__
    'decode_nodes'
"""

from __future__ import annotations

import re
from pathlib import Path


def decode_nodes(onnx_path) -> list[str]:
    """Names of the nodes of the graph's last layer (the Detect head) outside its convolution branches (``cv2``, ``cv3``).

    Ultralytics names exported nodes after the module path (``/model.22/cv2.0/…/Conv``); the last
    layer number is the head. Pass the result as ``nodes_to_exclude`` to ONNX Runtime's quantizer.

    >>> import tempfile, onnx
    >>> from onnx import helper
    >>> nodes = [helper.make_node("Conv", ["x", "w"], ["a"], name="/model.3/cv2.0/conv/Conv"),
    ...          helper.make_node("Sigmoid", ["a"], ["b"], name="/model.3/Sigmoid"),
    ...          helper.make_node("Relu", ["x"], ["c"], name="/model.2/act/Relu")]
    >>> graph = helper.make_graph(nodes, "g", [], [])
    >>> path = Path(tempfile.mkdtemp()) / "m.onnx"; onnx.save(helper.make_model(graph), path)
    >>> decode_nodes(path)
    ['/model.3/Sigmoid']
    """
    import onnx

    graph = onnx.load(str(onnx_path), load_external_data=False).graph
    layer = {node.name: int(found.group(1)) for node in graph.node if (found := re.match(r"/model\.(\d+)/", node.name))}
    if not layer:
        raise ValueError(f"{Path(onnx_path).name}: no node is named /model.N/…; is it a YOLO model exported by Ultralytics?")
    head = max(layer.values())
    return [name for name, number in layer.items() if number == head and not re.search(r"/cv[23]\.", name)]
