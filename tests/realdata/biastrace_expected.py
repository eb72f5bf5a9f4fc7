#!/usr/bin/env python3
"""Expected bias trace of the Adult test file, computed with pandas alone.

Usage: biastrace_expected.py DATA_DIR   (DATA_DIR holds adult/)

The documented predictor (README.md): ">50K" when education-num >= 13 or
capital-gain > 5000. The trace compares sex Female (protected) with Male
(reference), favourable label ">50K", over the segments of relationship,
marital-status, occupation and education, following METRICS.md:

  DI(rows) = SR(Female) / SR(Male), SR = share of favourable predictions
  contribution(s) = |ln DI(all)| - |ln DI(all rows outside s)|

A missing value ('?') is its own segment, "(missing)". A ratio with an empty
denominator is null. Segments under MIN_COUNT rows are "too_small".

Prints {"disparate_impact": ..., "records": N, "segments": [...]} where each
segment has feature, value, count, protected_count, reference_count,
disparate_impact, contribution and too_small, in the expected order: ranked
segments by contribution (largest first, null last), then the small ones in
the same order. Nothing here shares code with Vigil or with expected.py.
"""

import json
import math
import sys

import pandas as pd

COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
]
TRACED = ["relationship", "marital-status", "occupation", "education"]
FAVOURABLE = ">50K"
MIN_COUNT = 30
MISSING = "(missing)"


def ratio(num, den):
    return None if den == 0 else num / den


def disparate_impact(frame):
    """SR(Female) / SR(Male) over the rows of frame; None when undefined."""
    sr = frame.groupby("sex")["favourable"].agg(["sum", "count"])
    def rate(group):
        if group not in sr.index:
            return None
        return ratio(float(sr.loc[group, "sum"]), float(sr.loc[group, "count"]))
    p, q = rate("Female"), rate("Male")
    if p is None or q is None:
        return None
    return ratio(p, q)


def contribution(di_all, di_outside):
    if di_all is None or di_outside is None or di_all <= 0 or di_outside <= 0:
        return None
    return abs(math.log(di_all)) - abs(math.log(di_outside))


def main(data_dir):
    df = pd.read_csv(f"{data_dir}/adult/adult.test", header=None, names=COLUMNS, skiprows=1,
                     skipinitialspace=True, na_values=["?"], keep_default_na=False)
    df["prediction"] = ((df["education-num"] >= 13) | (df["capital-gain"] > 5000)).map({True: ">50K", False: "<=50K"})
    df = df[df["sex"].isin(["Female", "Male"])].copy()
    df["favourable"] = (df["prediction"] == FAVOURABLE).astype(int)
    di_all = disparate_impact(df)

    segments = []
    for feature in TRACED:
        values = df[feature].astype(object).where(df[feature].notna(), MISSING).astype(str).str.strip()
        for value in sorted(values.unique()):
            inside = values == value
            seg = df[inside]
            segments.append({
                "feature": "features." + feature,
                "value": value,
                "count": int(len(seg)),
                "protected_count": int((seg["sex"] == "Female").sum()),
                "reference_count": int((seg["sex"] == "Male").sum()),
                "disparate_impact": disparate_impact(seg),
                "contribution": contribution(di_all, disparate_impact(df[~inside])),
                "too_small": bool(len(seg) < MIN_COUNT),
            })

    def order(s):
        c = s["contribution"]
        return (s["too_small"], c is None, -(c if c is not None else 0.0), s["feature"], s["value"])

    segments.sort(key=order)
    json.dump({"disparate_impact": di_all, "records": int(len(df)), "segments": segments}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
