#!/usr/bin/env python3
"""Expected data quality, estimated performance and performance trace on UCI Adult.

Usage: health_expected.py DATA_DIR OUT_DIR   (DATA_DIR holds adult/)

The model: a scikit-learn logistic regression (lbfgs, max_iter 2000, C 1.0: a
deterministic fit) on the rows of adult.data whose row number is not a multiple
of 3; the other third of adult.data is the validation set the calibration is
fitted on; adult.test is production. Inputs: age, education-num,
capital-gain, capital-loss and hours-per-week standardised, workclass,
marital-status, occupation, relationship, race and sex one-hot ('?' is its own
category). Predicted label ">50K" when the score P(>50K) is at least 0.5.

Writes OUT_DIR/adult_scored.csv (every row of both files with id, env, time,
the raw cells, pred_label and pred_score written exactly with repr) and prints
the expected values as JSON, following METRICS.md:
  - data quality of production against all of adult.data: missing_rate,
    out_of_range_rate, new_category_rate (pandas / numpy);
  - estimated accuracy, F1 and AUC (IsotonicRegression on validation, expected
    confusion counts, roc_auc_score with sample weights) and the realized ones
    (accuracy_score, f1_score, roc_auc_score);
  - the performance trace of accuracy over education, occupation and
    relationship (pandas; minCount 30).
Nothing here shares code with Vigil.
"""

import csv
import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
]
NUMERIC_IN = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
CATEGORICAL_IN = ["workclass", "marital-status", "occupation", "relationship", "race", "sex"]
NUMERIC = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
CATEGORICAL = ["workclass", "education", "marital-status", "occupation", "relationship", "race", "sex", "native-country"]
POSITIVE, NEGATIVE = ">50K", "<=50K"
TRACED = ["education", "occupation", "relationship"]
MIN_COUNT = 30
MISSING = "(missing)"
TRAINING_TIME, PRODUCTION_TIME = "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"


def read(path, skip):
    raw = pd.read_csv(path, header=None, names=COLUMNS, skiprows=skip, skipinitialspace=True,
                      dtype=str, keep_default_na=False)
    raw = raw[raw["income"].str.len() > 0].reset_index(drop=True)
    for c in COLUMNS:
        raw[c] = raw[c].str.strip()
    raw["income"] = raw["income"].str.rstrip(".")
    frame = raw.replace("?", np.nan)
    for c in NUMERIC:
        frame[c] = frame[c].astype(float)
    return raw, frame


def none_if_nan(x):
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def main():
    data_dir, out_dir = sys.argv[1], sys.argv[2]
    raw_train, train = read(os.path.join(data_dir, "adult", "adult.data"), 0)
    raw_test, test = read(os.path.join(data_dir, "adult", "adult.test"), 1)

    fit_rows = np.arange(len(train)) % 3 != 0
    model = make_pipeline(
        ColumnTransformer([
            ("num", StandardScaler(), NUMERIC_IN),
            ("cat", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL_IN),
        ]),
        LogisticRegression(C=1.0, solver="lbfgs", max_iter=2000),
    )
    inputs = lambda f: f[NUMERIC_IN + CATEGORICAL_IN].fillna({c: "?" for c in CATEGORICAL_IN})
    model.fit(inputs(train[fit_rows]), (train["income"][fit_rows] == POSITIVE).astype(int))
    train_score = model.predict_proba(inputs(train))[:, 1]
    test_score = model.predict_proba(inputs(test))[:, 1]
    label = lambda s: np.where(s >= 0.5, POSITIVE, NEGATIVE)

    with open(os.path.join(out_dir, "adult_scored.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "env", "time"] + COLUMNS + ["pred_label", "pred_score"])
        for i in range(len(raw_train)):
            env = "training" if fit_rows[i] else "validation"
            w.writerow([f"data-{i}", env, TRAINING_TIME] + list(raw_train.iloc[i]) + [label(train_score[i:i+1])[0], repr(float(train_score[i]))])
        for i in range(len(raw_test)):
            w.writerow([f"test-{i}", "production", PRODUCTION_TIME] + list(raw_test.iloc[i]) + [label(test_score[i:i+1])[0], repr(float(test_score[i]))])

    out = {"counts": {"training": int(fit_rows.sum()), "validation": int((~fit_rows).sum()), "production": len(test)}}

    # Data quality of production against all of adult.data.
    dq = {}
    for c in NUMERIC + CATEGORICAL:
        dq[f"missing_rate/{c}"] = float(test[c].isna().mean())
    for c in NUMERIC:
        r, x = train[c].dropna().to_numpy(), test[c].dropna().to_numpy()
        dq[f"out_of_range_rate/{c}"] = float(np.mean((x < r.min()) | (x > r.max())))
    new = {}
    for c in CATEGORICAL:
        seen = set(train[c].dropna())
        x = test[c].dropna()
        dq[f"new_category_rate/{c}"] = float((~x.isin(seen)).mean())
        new[c] = sorted(set(x) - seen)
    out["data_quality"], out["new_categories"] = dq, new
    # The other way round: adult.data against adult.test has a category the
    # test file lacks (native-country Holand-Netherlands).
    out["new_category_rate_data_vs_test"] = {
        c: float((~train[c].dropna().isin(set(test[c].dropna()))).mean()) for c in CATEGORICAL}

    # Estimated performance: isotonic on validation, expected counts on production.
    val = ~fit_rows
    iso = IsotonicRegression(y_min=0, y_max=1, increasing=True, out_of_bounds="clip")
    iso.fit(train_score[val], (train["income"][val] == POSITIVE).astype(float))
    p = iso.predict(test_score)
    pred_pos = test_score >= 0.5
    etp, efp = p[pred_pos].sum(), (1 - p[pred_pos]).sum()
    efn, etn = p[~pred_pos].sum(), (1 - p[~pred_pos]).sum()
    n = len(p)
    est = {
        "accuracy": (etp + etn) / n,
        "f1": 2 * etp / (2 * etp + efp + efn),
        "auc": roc_auc_score(np.r_[np.ones(n), np.zeros(n)], np.r_[test_score, test_score], sample_weight=np.r_[p, 1 - p]),
    }
    y = test["income"] == POSITIVE
    realized = {
        "accuracy": accuracy_score(test["income"], label(test_score)),
        "f1": f1_score(test["income"], label(test_score), pos_label=POSITIVE),
        "auc": roc_auc_score(y.astype(int), test_score),
    }
    out["estimated"] = {k: float(v) for k, v in est.items()}
    out["realized"] = {k: float(v) for k, v in realized.items()}
    out["calibration_points"] = int(len(iso.X_thresholds_))

    # Performance trace of accuracy on production.
    correct = (label(test_score) == test["income"].to_numpy()).astype(float)
    frame = test[TRACED].fillna(MISSING).assign(correct=correct)
    overall = frame["correct"].mean()
    segments = []
    for f in TRACED:
        for value, g in frame.groupby(f):
            outside = frame.loc[frame[f] != value, "correct"]
            segments.append({
                "feature": "features." + f, "value": value, "count": int(len(g)),
                "metric": float(g["correct"].mean()),
                "contribution": None if len(outside) == 0 else float(outside.mean() - overall),
                "too_small": bool(len(g) < MIN_COUNT),
            })
    out["trace"] = {"overall": float(overall), "records": int(len(frame)), "segments": segments}
    json.dump(out, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
