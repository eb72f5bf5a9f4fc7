#!/usr/bin/env python3
"""NannyML's CBPE on the Adult scores of health_expected.py, as an outside comparison.

Usage: nannyml_compare.py SCORED_CSV   (adult_scored.csv written by health_expected.py)

Reference = the validation rows (with actuals), analysis = production (adult.test)
as one chunk. Prints {"accuracy": ..., "f1": ..., "auc": ...}: CBPE's estimates.
Runs in its own environment (requirements-nannyml.txt): NannyML pins its own
NumPy, pandas and scikit-learn.
"""

import json
import sys
import warnings

import nannyml as nml
import pandas as pd

warnings.filterwarnings("ignore")


def main():
    frame = pd.read_csv(sys.argv[1], dtype={"pred_label": str, "income": str})
    frame["y_pred"] = (frame["pred_label"] == ">50K").astype(int)
    frame["y_true"] = (frame["income"] == ">50K").astype(int)
    reference = frame[frame["env"] == "validation"].reset_index(drop=True)
    analysis = frame[frame["env"] == "production"].drop(columns=["y_true"]).reset_index(drop=True)
    estimator = nml.CBPE(
        y_pred_proba="pred_score",
        y_pred="y_pred",
        y_true="y_true",
        problem_type="classification_binary",
        metrics=["accuracy", "f1", "roc_auc"],
        chunk_number=1,
    )
    estimator.fit(reference)
    result = estimator.estimate(analysis).filter(period="analysis").to_df()
    out = {}
    for metric, name in [("accuracy", "accuracy"), ("f1", "f1"), ("roc_auc", "auc")]:
        out[name] = float(result[(metric, "value")].iloc[0])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
