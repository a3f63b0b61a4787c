"""Evaluate classifiers with scikit-learn's metrics and compare runs in one table.

    >>> classification_metrics([0, 1, 1, 2], [0, 1, 2, 2])["accuracy"]
    0.75
"""

from __future__ import annotations


def classification_metrics(y_true, y_pred) -> dict:
    """Accuracy, macro F1 and macro precision (scikit-learn), as plain floats.

    >>> classification_metrics([0, 0, 1, 1], [0, 1, 1, 1])
    {'accuracy': 0.75, 'macro_f1': 0.7333333333333334, 'precision': 0.8333333333333333}
    """
    from sklearn.metrics import accuracy_score, f1_score, precision_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "precision": float(precision_score(y_true, y_pred, average="macro", zero_division=0)),
    }


def plot_confusion(y_true, y_pred, class_names, title: str = "", ax=None):
    """Draw scikit-learn's confusion matrix (rows: true class, columns: predicted).

    >>> import matplotlib.pyplot as plt
    >>> display = plot_confusion([0, 1, 1], [0, 1, 0], ["cat", "dog"], title="demo")
    >>> display.confusion_matrix.tolist(), display.ax_.get_title()
    ([[1, 0], [1, 1]], 'demo')
    >>> plt.close("all")
    """
    from sklearn.metrics import ConfusionMatrixDisplay

    display = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=list(range(len(class_names))), display_labels=class_names,
        ax=ax, colorbar=False, xticks_rotation=45,
    )
    display.ax_.set_title(title)
    return display


def comparison_table(runs: dict):
    """One row per run (e.g. 'from scratch', 'fine-tuned'), one column per measured value.

    >>> comparison_table({"from scratch": {"accuracy": 0.61234}, "fine-tuned": {"accuracy": 0.9}}).to_dict()
    {'accuracy': {'from scratch': 0.6123, 'fine-tuned': 0.9}}
    """
    import pandas as pd

    return pd.DataFrame.from_dict(runs, orient="index").round(4)
