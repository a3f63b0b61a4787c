"""Training and evaluation: `loop` (fit, History, evaluate), `freeze`, `checkpoint`, `metrics` (+ plots), `timing`."""
