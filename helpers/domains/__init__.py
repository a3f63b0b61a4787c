"""One module (or subpackage) per domain; importing one registers its assets with `helpers.assets`.

`vision` (ResNet backbones, CIFAR-10), `text` (BERT checkpoints, emotion), `detection` (YOLO,
label checks, synthetic scenes), `tabular` (AutoGluon tables), `images` (satellite and medical
image folders for fastai), `speech` (Whisper, accented English, audio checks), `summarization`
(SmolLM2, legal documents, the fact check). A new lab adds its module here and touches nothing else.
"""
