#!/usr/bin/env python3
"""Expected values of the real-data test, computed from the raw UCI files.

Usage: expected.py DATA_DIR   (DATA_DIR holds adult/ and bike_sharing/)

Prints one JSON object {"values": {key: number or null}, "counts": {...}} on
standard output. The keys are the ones realdata_test.go builds from the
series Vigil returns. Every value comes from NumPy, SciPy, scikit-learn and
pandas applied to the definitions of METRICS.md; nothing here shares code with
Vigil. The predictors are documented in README.md beside this file.
"""

import json
import math
import os
import sys

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance
from sklearn import metrics as skm
from statsmodels.stats.proportion import confint_proportions_2indep

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
]
POSITIVE = ">50K"
NEGATIVE = "<=50K"
BINS = 10
SMOOTH = 1e-4
BINNED_DRIFT = ["psi", "kl", "js", "hellinger", "chi2", "chi2_pvalue"]
EVERY_DRIFT = BINNED_DRIFT + ["ks", "ks_pvalue", "wasserstein", "wasserstein_norm"]


# ---------------------------------------------------------------- data


def read_adult(path, skiprows):
    """One Adult file: no header, '?' = missing, spaces trimmed, the trailing
    '.' of the test file's labels removed."""
    df = pd.read_csv(path, header=None, names=ADULT_COLUMNS, skiprows=skiprows,
                     skipinitialspace=True, na_values=["?"], keep_default_na=False)
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].str.strip()
    df["income"] = df["income"].str.rstrip(".")
    assert set(df["income"].unique()) == {POSITIVE, NEGATIVE}, df["income"].unique()
    # The documented predictor and score.
    df["pred_label"] = np.where((df["education-num"] >= 13) | (df["capital-gain"] > 5000), POSITIVE, NEGATIVE)
    df["pred_score"] = np.minimum(1.0, df["education-num"] / 16.0)
    return df


def read_bike(path):
    df = pd.read_csv(path)
    df["ts"] = pd.to_datetime(df["dteday"], format="%Y-%m-%d") + pd.to_timedelta(df["hr"], unit="h")
    # The documented predictor: mean cnt of the same hour of day over 2011.
    hourly = df[df["ts"].dt.year == 2011].groupby("hr")["cnt"].mean()
    df["pred"] = df["hr"].map(hourly)
    return df


# ---------------------------------------------------------------- drift (METRICS.md)


def quantile_edges(reference):
    r = reference[~np.isnan(reference)]
    qs = np.arange(1, BINS) / BINS
    return np.unique(np.quantile(r, qs))  # numpy's default method is "linear"


def numeric_counts(edges, x, with_missing):
    missing = np.isnan(x)
    counts = np.bincount(np.searchsorted(edges, x[~missing], side="left"), minlength=len(edges) + 1)
    counts = counts.astype(np.int64)
    if with_missing:
        counts = np.append(counts, missing.sum())
    return counts


def categorical_counts(reference, current):
    """Counts over the union of categories sorted by string, plus the missing bin
    when either sample has a missing value."""
    cats = sorted(set(reference.dropna().unique()) | set(current.dropna().unique()))
    with_missing = bool(reference.isna().any() or current.isna().any())

    def count(s):
        vc = s.value_counts(dropna=True)
        c = [int(vc.get(k, 0)) for k in cats]
        if with_missing:
            c.append(int(s.isna().sum()))
        return np.array(c, dtype=np.int64)

    return count(reference), count(current)


def binned_metrics(rc, cc):
    p = rc / rc.sum()
    q = cc / cc.sum()
    ps = np.maximum(p, SMOOTH)
    qs = np.maximum(q, SMOOTH)
    table = np.vstack([rc, cc])
    table = table[:, table.sum(axis=0) > 0]
    chi2, chi2_p, _, _ = stats.chi2_contingency(table, correction=False)
    return {
        "psi": float(np.sum((qs - ps) * np.log(qs / ps))),
        "kl": float(np.sum(ps * np.log(ps / qs))),
        "js": float(distance.jensenshannon(p, q, base=2)),
        "hellinger": float(np.sqrt(1 - np.sum(np.sqrt(p * q)))),
        "chi2": float(chi2),
        "chi2_pvalue": float(chi2_p),
    }


def value_metrics(r, c):
    r = r[~np.isnan(r)]
    c = c[~np.isnan(c)]
    d = stats.ks_2samp(r, c).statistic
    n, m = len(r), len(c)
    en = n * m / (n + m)
    w = stats.wasserstein_distance(r, c)
    return {
        "ks": float(d),
        "ks_pvalue": float(stats.kstwobign.sf(np.sqrt(en) * d)),
        "wasserstein": float(w),
        "wasserstein_norm": float(w / max(np.std(r), 0.001)),
    }


def numeric_drift(reference, current, wanted):
    r = reference.to_numpy(dtype=float)
    c = current.to_numpy(dtype=float)
    edges = quantile_edges(r)
    with_missing = bool(np.isnan(r).any() or np.isnan(c).any())
    out = binned_metrics(numeric_counts(edges, r, with_missing), numeric_counts(edges, c, with_missing))
    out.update(value_metrics(r, c))
    return {k: out[k] for k in wanted}


def categorical_drift(reference, current, wanted):
    rc, cc = categorical_counts(reference, current)
    out = binned_metrics(rc, cc)
    return {k: out[k] for k in wanted}


# ---------------------------------------------------------------- fairness (AIF360 conventions)


def fairness(df, attribute, protected, reference, favorable):
    pred = (df["pred_label"] == favorable).to_numpy()
    act = (df["income"] == favorable).to_numpy()
    groups = {"protected": df[attribute].isin(protected).to_numpy(),
              "reference": df[attribute].isin(reference).to_numpy()}

    def ratio(num, den):
        return num / den if den else None

    rates = {}
    for g, mask in groups.items():
        y, yhat = act[mask], pred[mask]
        tn, fp, _, _ = skm.confusion_matrix(y, yhat, labels=[False, True]).ravel()
        rates[g] = {
            "sr": ratio(int(yhat.sum()), int(mask.sum())),
            "tpr": float(skm.recall_score(y, yhat, zero_division=0)) if y.any() else None,
            "fpr": ratio(int(fp), int(fp + tn)),
            "ppv": float(skm.precision_score(y, yhat, zero_division=0)) if yhat.any() else None,
        }
    P, Q = rates["protected"], rates["reference"]

    def div(a, b):
        return None if a is None or b is None or b == 0 else a / b

    def sub(a, b):
        return None if a is None or b is None else a - b

    aod = None
    if None not in (P["fpr"], Q["fpr"], P["tpr"], Q["tpr"]):
        aod = 0.5 * ((P["fpr"] - Q["fpr"]) + (P["tpr"] - Q["tpr"]))
    return {
        "disparate_impact": div(P["sr"], Q["sr"]),
        "statistical_parity_difference": sub(P["sr"], Q["sr"]),
        "equal_opportunity_difference": sub(P["tpr"], Q["tpr"]),
        "average_odds_difference": aod,
        "predictive_parity_ratio": div(P["ppv"], Q["ppv"]),
        "selection_rate/protected": P["sr"],
        "selection_rate/reference": Q["sr"],
    }


def fairness_interval(df, attribute, protected, reference, favorable, alpha):
    """Disparate impact with its Katz log-ratio interval, as statsmodels computes it."""
    pred = (df["pred_label"] == favorable).to_numpy()
    p = df[attribute].isin(protected).to_numpy()
    q = df[attribute].isin(reference).to_numpy()
    x_p, n_p = int(pred[p].sum()), int(p.sum())
    x_q, n_q = int(pred[q].sum()), int(q.sum())
    low, upp = confint_proportions_2indep(x_p, n_p, x_q, n_q, method="log", compare="ratio", alpha=alpha)
    return {"": (x_p / n_p) / (x_q / n_q), "/lower": float(low), "/upper": float(upp)}


# ---------------------------------------------------------------- the checks


def adult(data_dir, values, counts):
    train = read_adult(os.path.join(data_dir, "adult", "adult.data"), 0)
    prod = read_adult(os.path.join(data_dir, "adult", "adult.test"), 1)
    counts["adult/training"] = len(train)
    counts["adult/production"] = len(prod)

    for k, v in fairness(prod, "sex", ["Female"], ["Male"], POSITIVE).items():
        values["adult/fairness/" + k] = v
    for k, v in fairness_interval(prod, "sex", ["Female"], ["Male"], POSITIVE, 0.05).items():
        values["adult/fairness_ci/disparate_impact" + k] = v

    y = prod["income"].to_numpy()
    yhat = prod["pred_label"].to_numpy()
    y01 = (y == POSITIVE).astype(int)
    score = prod["pred_score"].to_numpy()
    values["adult/performance/accuracy"] = skm.accuracy_score(y, yhat)
    values["adult/performance/precision"] = skm.precision_score(y, yhat, pos_label=POSITIVE)
    values["adult/performance/recall"] = skm.recall_score(y, yhat, pos_label=POSITIVE)
    values["adult/performance/f1"] = skm.f1_score(y, yhat, pos_label=POSITIVE)
    values["adult/performance/auc"] = skm.roc_auc_score(y01, score)
    # scikit-learn's default clip (eps="auto": float64 machine epsilon), as in
    # golden/metrics.json. The 56 rows with score 1 and actual "<=50K" hit the
    # clip, so this value tells it apart from a clip at 1e-15 (0.95682).
    values["adult/performance/log_loss"] = skm.log_loss(y01, score)

    for f in ["age", "hours-per-week"]:
        for k, v in numeric_drift(train[f], prod[f], EVERY_DRIFT).items():
            values[f"adult/drift/{f}/{k}"] = v
    for f in ["education", "occupation"]:
        for k, v in categorical_drift(train[f], prod[f], BINNED_DRIFT).items():
            values[f"adult/drift/{f}/{k}"] = v


def bike(data_dir, values, counts):
    df = read_bike(os.path.join(data_dir, "bike_sharing", "hour.csv"))
    counts["bike/rows"] = len(df)
    ref = df[(df["ts"] >= "2011-01-01") & (df["ts"] < "2011-02-01")]
    counts["bike/reference"] = len(ref)
    for year in (2011, 2012):
        for month in range(1, 13):
            if (year, month) == (2011, 1):
                continue
            start = pd.Timestamp(year, month, 1)
            end = start + pd.offsets.MonthBegin(1)
            cur = df[(df["ts"] >= start) & (df["ts"] < end)]
            key = f"{year:04d}-{month:02d}"
            counts["bike/" + key] = len(cur)
            for f in ["temp", "hum", "windspeed"]:
                for k, v in numeric_drift(ref[f], cur[f], EVERY_DRIFT).items():
                    values[f"bike/drift/{key}/{f}/{k}"] = v

    test = df[df["ts"].dt.year == 2012]
    counts["bike/2012"] = len(test)
    y, yhat = test["cnt"].to_numpy(dtype=float), test["pred"].to_numpy()
    values["bike/performance/rmse"] = skm.mean_squared_error(y, yhat, squared=False)
    values["bike/performance/mae"] = skm.mean_absolute_error(y, yhat)
    values["bike/performance/mape"] = skm.mean_absolute_percentage_error(y, yhat)
    values["bike/performance/r2"] = skm.r2_score(y, yhat)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: expected.py DATA_DIR")
    values, counts = {}, {}
    adult(sys.argv[1], values, counts)
    bike(sys.argv[1], values, counts)
    for k, v in values.items():
        if v is not None:
            v = float(v)
            if not math.isfinite(v):
                sys.exit(f"{k}: {v} is not finite")
            values[k] = v
    json.dump({"values": values, "counts": counts}, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
