"""Evaluate classifiers with scikit-learn's metrics and compare runs in one table.

    >>> classification_metrics([0, 1, 1, 2], [0, 1, 2, 2])["accuracy"]
    0.75
"""

from __future__ import annotations


def classification_metrics(y_true, y_pred) -> dict:
    """Accuracy, macro F1 and macro precision (scikit-learn), as plain floats."""
    from sklearn.metrics import accuracy_score, f1_score, precision_score

    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "precision": float(precision_score(y_true, y_pred, average="macro", zero_division=0)),
    }


def plot_confusion(y_true, y_pred, class_names, title: str = "", ax=None):
    """Draw scikit-learn's confusion matrix (rows: true class, columns: predicted)."""
    from sklearn.metrics import ConfusionMatrixDisplay

    display = ConfusionMatrixDisplay.from_predictions(
        y_true, y_pred, labels=list(range(len(class_names))), display_labels=class_names,
        ax=ax, colorbar=False, xticks_rotation=45,
    )
    display.ax_.set_title(title)
    return display


def comparison_table(runs: dict):
    """One row per run (e.g. 'from scratch', 'fine-tuned'), one column per measured value."""
    import pandas as pd

    return pd.DataFrame.from_dict(runs, orient="index").round(4)
