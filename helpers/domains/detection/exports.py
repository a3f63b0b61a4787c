"""Annotation-tool exports for Project P2: a COCO file as a labelling tool writes it, flaws included.

Labelling tools (CVAT, Label Studio, Roboflow …) export COCO JSON: ``images`` (id, file_name,
width, height), ``categories`` (id, name — ids chosen by the tool, often from 1, with gaps where a
label was deleted) and ``annotations`` (image_id, category_id, ``bbox`` = [x, y, width, height] of
the top-left corner in pixels). `coco_export` writes such a file for frames of a YOLO dataset with
the flaws real exports have, so a converter can be tested on them:

    >>> import tempfile
    >>> from helpers.domains.detection.industrial import write_line_dataset
    >>> data = write_line_dataset(tempfile.mkdtemp(), {"val": 12}, frame=96, seed=0)
    >>> coco = coco_export(data, "val")
    >>> [c["id"] for c in coco["categories"]], sorted(coco)
    ([1, 2, 4], ['annotations', 'categories', 'images', 'info'])
"""

from __future__ import annotations

from pathlib import Path


def coco_export(data, split: str = "val", count: int = 12) -> dict:
    """A COCO export of the first `count` frames of `split`, with a tool's flaws (listed in ``info``).

    The flaws: category ids 1, 2, 4 (a deleted label left a gap) listed in another order than the
    dataset's classes; one box dragged past the right edge of its frame; one zero-width box (a
    mis-click); frames of good plates have no annotation at all.

    >>> import tempfile
    >>> from helpers.domains.detection.industrial import write_line_dataset
    >>> coco = coco_export(write_line_dataset(tempfile.mkdtemp(), {"val": 12}, frame=96, seed=0), "val")
    >>> [c["name"] for c in coco["categories"]], len(coco["images"])
    (['chip', 'scratch', 'missing_hole'], 12)
    """
    from PIL import Image

    from helpers.domains.detection.labels import images_of, label_path, read_spec

    root, spec = read_spec(data)
    names = spec["names"] if isinstance(spec["names"], dict) else dict(enumerate(spec["names"]))
    tool_ids = {"chip": 1, "scratch": 2, "missing_hole": 4}
    categories = [{"id": tool_ids.get(name, 10 + i), "name": name} for i, name in
                  sorted(names.items(), key=lambda item: tool_ids.get(item[1], 10 + item[0]))]
    by_name = {c["name"]: c["id"] for c in categories}
    images, annotations = [], []
    for number, path in enumerate(images_of(root, spec[split])[:count], start=1):
        width, height = Image.open(path).size
        images.append({"id": number, "file_name": path.name, "width": width, "height": height})
        for line in label_path(path).read_text().splitlines():
            cls, cx, cy, w, h = (float(v) for v in line.split())
            bbox = [round((cx - w / 2) * width, 2), round((cy - h / 2) * height, 2), round(w * width, 2), round(h * height, 2)]
            annotations.append({"id": len(annotations) + 1, "image_id": number,
                                "category_id": by_name[names[int(cls)]], "bbox": bbox, "iscrowd": 0})
    if annotations:  # a box whose corner was dragged past the right edge of the frame
        first = annotations[0]
        width = images[first["image_id"] - 1]["width"]
        first["bbox"][2] = round(width + 8 - first["bbox"][0], 2)
        first["bbox"][0] = round(width - first["bbox"][2] / 3, 2)
        first["bbox"][2] = round(first["bbox"][2], 2)
    last = images[-1]  # a mis-click: a box of zero width
    annotations.append({"id": len(annotations) + 1, "image_id": last["id"], "category_id": by_name[names[0]],
                        "bbox": [last["width"] / 2, last["height"] / 2, 0.0, 6.0], "iscrowd": 0})
    return {"info": {"description": f"{Path(str(data)).parent.name} {split}, exported by a labelling tool",
                     "flaws": "category ids 1, 2, 4 in the tool's order; a box past the right edge; a zero-width box"},
            "images": images, "categories": categories, "annotations": annotations}


def write_yolo_copy(coco: dict, data, split: str, folder, convert) -> Path:
    """A YOLO dataset in `folder` with the export's frames (linked from `split` of `data`) and labels made by `convert`.

    `convert(coco, names, labels_folder)` writes one label file per image; returns the new data.yaml.

    >>> import tempfile
    >>> from helpers.domains.detection.industrial import write_line_dataset
    >>> data = write_line_dataset(tempfile.mkdtemp(), {"val": 3}, frame=96, seed=0)
    >>> copy = write_yolo_copy(coco_export(data, "val", 3), data, "val", tempfile.mkdtemp(), lambda c, n, f: None)
    >>> len(list((copy.parent / "images" / "val").iterdir()))
    3
    """
    import yaml

    from helpers.domains.detection.labels import images_of, read_spec
    from helpers.files import link_or_copy

    root, spec = read_spec(data)
    names = spec["names"] if isinstance(spec["names"], dict) else dict(enumerate(spec["names"]))
    folder = Path(folder)
    for kind in ("images", "labels"):
        (folder / kind / "val").mkdir(parents=True, exist_ok=True)
    by_name = {path.name: path for path in images_of(root, spec[split])}
    for image in coco["images"]:
        link_or_copy(by_name[image["file_name"]], folder / "images" / "val" / image["file_name"])
    convert(coco, [names[i] for i in sorted(names)], folder / "labels" / "val")
    target = folder / "data.yaml"
    target.write_text(yaml.safe_dump({"val": "images/val", "names": dict(names)}, sort_keys=False))
    return target
