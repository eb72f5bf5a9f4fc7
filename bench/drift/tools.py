"""Runs Evidently and NannyML on the drift benchmark's dataset, reads Vigil's
query output into the same shape, and writes the comparison report.

    python tools.py evidently --data DIR --out FILE.csv
    python tools.py nannyml   --data DIR --out FILE.csv
    python tools.py scipy     --data DIR --out FILE.csv   # exact reference values, untimed
    python tools.py vigil     --data DIR --out FILE.csv VIGIL_QUERY_OUTPUT.json...
    python tools.py report    --run RUNDIR --out FILE.md

Every tool's result is a long CSV: tool, method, feature, day (production day
1..30), value, flagged (1/0 at the tool's default threshold; empty when the
tool documents none). scripts/bench-drift-tools.sh drives all of it;
docs/benchmarks.md explains the definitions.
"""

import argparse
import csv
import json
import math
import os
import platform
import re
import sys
import time
from collections import defaultdict

os.environ.setdefault("DO_NOT_TRACK", "1")  # Evidently's telemetry
os.environ.setdefault("NML_DISABLE_USAGE_LOGGING", "1")  # NannyML's


def load_truth(data_dir):
    with open(os.path.join(data_dir, "truth.json")) as f:
        return json.load(f)


def load_frames(data_dir):
    """Reads the Parquet file: (reference, production, numeric, categorical, truth)."""
    import pandas as pd

    truth = load_truth(data_dir)
    df = pd.read_parquet(os.path.join(data_dir, "data.parquet"))
    ref = df[df["environment"] == truth["referenceEnvironment"]]
    prod = df[df["environment"] == truth["productionEnvironment"]]
    return ref, prod, truth["numeric"], truth["categorical"], truth


def production_day(ts, truth):
    """1-based production day of a pandas Timestamp (UTC)."""
    import pandas as pd

    start = pd.Timestamp(truth["production"]["from"])
    return int((ts - start) // pd.Timedelta(days=1)) + 1


def write_rows(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["tool", "method", "feature", "day", "value", "flagged"])
        for r in rows:
            w.writerow(r)


def flag(b):
    return "" if b is None else (1 if b else 0)


# ---------------------------------------------------------------- Evidently

# Evidently's default thresholds, from its stattest registry (0.7.x):
# psi, jensenshannon, wasserstein (normed): drift when value >= 0.1;
# ks: the value is the p-value, drift when p <= 0.05.
EVIDENTLY_RULES = {
    "psi": lambda v: v >= 0.1,
    "jensenshannon": lambda v: v >= 0.1,
    "wasserstein": lambda v: v >= 0.1,
    "ks": lambda v: v <= 0.05,
}


def run_evidently(args):
    import evidently
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import ValueDrift

    t0 = time.time()
    ref, prod, num, cat, truth = load_frames(args.data)
    cols = num + cat
    dd = DataDefinition(numerical_columns=num, categorical_columns=cat)
    ref_ds = Dataset.from_pandas(ref[cols].reset_index(drop=True), data_definition=dd)
    # One report per daily window holding every (column, stattest) pair:
    # psi and jensenshannon on all 25 columns, ks and wasserstein on the 20
    # numeric ones (Evidently allows them on numerical columns only).
    metrics = [ValueDrift(column=c, method=m) for m in ("psi", "jensenshannon") for c in cols]
    metrics += [ValueDrift(column=c, method=m) for m in ("ks", "wasserstein") for c in num]
    rows = []
    days = prod["ts"].dt.floor("D")
    for day_start, window in prod.groupby(days, sort=True):
        day = production_day(day_start, truth)
        t = time.time()
        report = Report(metrics, include_tests=False)
        snap = report.run(Dataset.from_pandas(window[cols].reset_index(drop=True), data_definition=dd), ref_ds)
        for m in snap.dict()["metrics"]:
            conf = m["config"]
            if not conf.get("type", "").endswith("ValueDrift"):
                continue
            method, value = conf["method"], float(m["value"])
            rows.append(["evidently", method, conf["column"], day, repr(value), flag(EVIDENTLY_RULES[method](value))])
        print(f"evidently day {day}: {len(window)} rows in {time.time() - t:.1f}s", file=sys.stderr, flush=True)
    write_rows(args.out, rows)
    print(f"evidently {evidently.__version__}: {len(rows)} values in {time.time() - t0:.1f}s", file=sys.stderr)


# ---------------------------------------------------------------- NannyML


def run_nannyml(args):
    import nannyml as nml

    t0 = time.time()
    ref, prod, num, cat, truth = load_frames(args.data)
    calc = nml.UnivariateDriftCalculator(
        column_names=num + cat,
        treat_as_categorical=cat,
        timestamp_column_name="ts",
        chunk_period="D",
        continuous_methods=["jensen_shannon", "wasserstein", "kolmogorov_smirnov"],
        categorical_methods=["chi2", "jensen_shannon"],
    )
    calc.fit(ref)
    res = calc.calculate(prod).filter(period="analysis").to_df()
    rows = []
    keys = res[("chunk", "chunk", "start_date")]
    for col in num + cat:
        methods = ["jensen_shannon", "wasserstein", "kolmogorov_smirnov"] if col in num else ["chi2", "jensen_shannon"]
        for method in methods:
            for i in range(len(res)):
                value = res[(col, method, "value")].iloc[i]
                alert = res[(col, method, "alert")].iloc[i]
                day = production_day(keys.iloc[i].tz_localize("UTC") if keys.iloc[i].tzinfo is None else keys.iloc[i], truth)
                rows.append(["nannyml", method, col, day, repr(float(value)), flag(bool(alert))])
    write_rows(args.out, rows)
    print(f"nannyml {nml.__version__}: {len(rows)} values in {time.time() - t0:.1f}s", file=sys.stderr)


# ---------------------------------------------------------------- SciPy


def run_scipy(args):
    """The exact values by the METRICS.md reference calls, for the agreement
    table only (untimed): the KS statistic and p-value of
    scipy.stats.ks_2samp (what Evidently's ks test calls; it reports only the
    p-value) and scipy.stats.wasserstein_distance, raw and over std(reference)."""
    import numpy as np
    from scipy import stats

    t0 = time.time()
    ref, prod, num, cat, truth = load_frames(args.data)
    rows = []
    days = prod["ts"].dt.floor("D")
    refv = {c: ref[c].to_numpy() for c in num}
    for day_start, window in prod.groupby(days, sort=True):
        day = production_day(day_start, truth)
        for c in num:
            r, cur = refv[c], window[c].to_numpy()
            ks = stats.ks_2samp(r, cur)
            w = stats.wasserstein_distance(r, cur)
            rows.append(["scipy", "ks", c, day, repr(float(ks.statistic)), ""])
            rows.append(["scipy", "ks_pvalue", c, day, repr(float(ks.pvalue)), ""])
            rows.append(["scipy", "wasserstein", c, day, repr(float(w)), ""])
            rows.append(["scipy", "wasserstein_norm", c, day, repr(float(w / max(float(np.std(r)), 0.001))), ""])
    write_rows(args.out, rows)
    print(f"scipy: {len(rows)} values in {time.time() - t0:.1f}s", file=sys.stderr)


# ---------------------------------------------------------------- Vigil

# Vigil's documented bands (METRICS.md, README, the provisioned alert rule):
# PSI > 0.25 is a major shift (the demo's "Feature drift" alert rule fires
# above 0.25); JS and Hellinger > 0.1 drifted; p-values < 0.05 drifted.
# Vigil documents no band for (normalised) Wasserstein or for KS D.
VIGIL_RULES = {
    "psi": lambda v: v > 0.25,
    "js": lambda v: v > 0.1,
    "ks_pvalue": lambda v: v < 0.05,
    "chi2_pvalue": lambda v: v < 0.05,
}


def run_vigil(args):
    truth = load_truth(args.data)
    start_ms = int(_parse_time(truth["production"]["from"]) * 1000)
    rows = []
    for path in args.inputs:
        with open(path) as f:
            resp = json.load(f)
        for ref_id, res in resp["results"].items():
            if res.get("error"):
                raise SystemExit(f"{path}: query {ref_id} failed: {res['error']}")
            for frame in res.get("frames", []):
                fields = frame["schema"]["fields"]
                labels = fields[1].get("labels", {})
                metric, feature = labels["metric"], labels["feature"]
                times, values = frame["data"]["values"][0], frame["data"]["values"][1]
                rule = VIGIL_RULES.get(metric)
                for t, v in zip(times, values):
                    if v is None:
                        continue
                    day = (int(t) - start_ms) // 86_400_000 + 1
                    rows.append(["vigil", metric, feature, day, repr(float(v)), flag(rule(v) if rule else None)])
    write_rows(args.out, rows)


def _parse_time(s):
    from datetime import datetime

    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


# ---------------------------------------------------------------- report


def read_results(path):
    """{(method, feature, day): (value, flagged)} of one tool's CSV."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path) as f:
        for r in csv.DictReader(f):
            fl = r["flagged"]
            out[(r["method"], r["feature"], int(r["day"]))] = (float(r["value"]), None if fl == "" else fl == "1")
    return out


def parse_time_v(path):
    """Wall seconds and peak RSS (MiB) from /usr/bin/time -v output."""
    if not os.path.exists(path):
        return None, None
    wall = rss = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("Elapsed (wall clock) time"):
                t = line.rsplit(": ", 1)[1]
                parts = [float(p) for p in t.split(":")]
                wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
            elif line.startswith("Maximum resident set size"):
                rss = int(line.rsplit(": ", 1)[1]) / 1024
    return wall, rss


def read_step(run_dir, size, step):
    """A timed step: (status, wall seconds, peak MiB). status: ok, timeout, failed, skipped, missing."""
    d = os.path.join(run_dir, size, step)
    if not os.path.isdir(d):
        return "missing", None, None
    status = "missing"
    if os.path.exists(os.path.join(d, "status")):
        status = open(os.path.join(d, "status")).read().strip()
    wall, rss = parse_time_v(os.path.join(d, "time.txt"))
    return status, wall, rss


# Comparable pairs: (label, tool A, method A, tool B, method B, feature kind, transform of B -> A's scale, why)
LN2 = math.log(2)
PAIRS = [
    ("KS statistic D", "vigil", "ks", "scipy", "ks", "numeric", None),
    ("Wasserstein (raw)", "vigil", "wasserstein", "scipy", "wasserstein", "numeric", None),
    ("KS p-value (Vigil asymptotic vs SciPy auto)", "vigil", "ks_pvalue", "scipy", "ks_pvalue", "numeric", None),
    ("KS statistic D", "vigil", "ks", "nannyml", "kolmogorov_smirnov", "numeric", None),
    ("KS p-value", "vigil", "ks_pvalue", "evidently", "ks", "numeric", None),
    ("Wasserstein (raw)", "vigil", "wasserstein", "nannyml", "wasserstein", "numeric", None),
    ("Wasserstein / std(reference)", "vigil", "wasserstein_norm", "evidently", "wasserstein", "numeric", None),
    ("PSI, numeric", "vigil", "psi", "evidently", "psi", "numeric", None),
    ("PSI, categorical", "vigil", "psi", "evidently", "psi", "categorical", None),
    ("JS distance, numeric (Evidently ×1/√ln2 to base 2)", "vigil", "js", "evidently", "jensenshannon", "numeric", "e2"),
    ("JS distance, categorical (Evidently ×1/√ln2 to base 2)", "vigil", "js", "evidently", "jensenshannon", "categorical", "e2"),
    ("JS distance, numeric", "vigil", "js", "nannyml", "jensen_shannon", "numeric", None),
    ("JS distance, categorical", "vigil", "js", "nannyml", "jensen_shannon", "categorical", None),
    ("chi² statistic, categorical", "vigil", "chi2", "nannyml", "chi2", "categorical", None),
    ("JS distance, categorical (Evidently ×1/√ln2)", "nannyml", "jensen_shannon", "evidently", "jensenshannon", "categorical", "e2"),
    ("Wasserstein / std(reference) (NannyML ÷ std from Vigil)", "evidently", "wasserstein", "nannyml", "wasserstein", "numeric", "norm"),
]

# Detection rules per tool and method: (tool, method, rule shown, feature kinds it applies to)
DETECTORS = [
    ("vigil", "psi", "PSI > 0.25", ("numeric", "categorical")),
    ("vigil", "psi", "PSI > 0.1 (the moderate band; not Vigil's alert level)", ("numeric", "categorical"), lambda v: v > 0.1),
    ("vigil", "wasserstein_norm", "W/std > 0.1 (Evidently's level; Vigil documents none)", ("numeric",), lambda v: v > 0.1),
    ("vigil", "js", "JS > 0.1", ("numeric", "categorical")),
    ("vigil", "ks_pvalue", "KS p < 0.05", ("numeric",)),
    ("vigil", "chi2_pvalue", "chi² p < 0.05", ("categorical",)),
    ("evidently", "psi", "PSI ≥ 0.1", ("numeric", "categorical")),
    ("evidently", "jensenshannon", "JS (base e) ≥ 0.1", ("numeric", "categorical")),
    ("evidently", "ks", "KS p ≤ 0.05", ("numeric",)),
    ("evidently", "wasserstein", "W/std ≥ 0.1", ("numeric",)),
    ("nannyml", "jensen_shannon", "JS > mean+3σ of reference days", ("numeric", "categorical")),
    ("nannyml", "wasserstein", "W > mean+3σ of reference days", ("numeric",)),
    ("nannyml", "kolmogorov_smirnov", "D > mean+3σ of reference days", ("numeric",)),
    ("nannyml", "chi2", "chi² p < 0.05", ("categorical",)),
]

TOOLS = ("vigil", "evidently", "nannyml", "scipy")


def fmt_s(x):
    if x is None:
        return "–"
    return f"{x:.1f} s" if x < 100 else f"{x:.0f} s"


def fmt_mib(x):
    if x is None:
        return "–"
    return f"{x:.0f} MiB" if x < 1024 else f"{x / 1024:.2f} GiB"


def cell(status, wall, rss):
    if status == "ok":
        return fmt_s(wall), fmt_mib(rss)
    if status == "timeout":
        return "timeout (>600 s)", (fmt_mib(rss) + " at stop") if rss else "–"
    if status == "skipped":
        return "not run (failed at a smaller size)", "–"
    if status == "failed":
        return f"failed after {fmt_s(wall)}", fmt_mib(rss)
    return "–", "–"


def run_report(args):
    run_dir = args.run
    with open(os.path.join(run_dir, "sizes")) as f:
        sizes = f.read().split()
    meta = {}
    if os.path.exists(os.path.join(run_dir, "meta.json")):
        with open(os.path.join(run_dir, "meta.json")) as f:
            meta = json.load(f)
    out = []
    p = out.append
    p("## Timing and memory\n")
    p("Wall time and peak resident memory (Maximum resident set size of `/usr/bin/time -v`), each step under a 600 s timeout. "
      "Vigil total = ingest + drift query (psi, js, ks, wasserstein); the extra query (ks_pvalue, wasserstein_norm, chi2, chi2_pvalue), "
      "used for the agreement and detection figures, is shown separately. Python times include reading the Parquet file and importing the library.\n")
    p("| rows | Vigil ingest | Vigil query | Vigil total | Vigil peak | Vigil extra query | Evidently | Evidently peak | NannyML | NannyML peak | NannyML time ÷ Vigil time | Evidently time ÷ Vigil time | Vigil query peak ÷ NannyML peak |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    summary = {"meta": meta, "sizes": {}}
    finished = {t: None for t in ("vigil", "evidently", "nannyml")}
    rows_by_size = {}
    for size in sizes:
        si, wi, ri = read_step(run_dir, size, "vigil-ingest")
        sq, wq, rq = read_step(run_dir, size, "vigil-query")
        sx, wx, rx = read_step(run_dir, size, "vigil-extra")
        se, we, re_ = read_step(run_dir, size, "evidently")
        sn, wn, rn = read_step(run_dir, size, "nannyml")
        vigil_ok = si == "ok" and sq == "ok"
        vt = wi + wq if vigil_ok else None
        vr = max(ri or 0, rq or 0) if vigil_ok else None
        if vigil_ok:
            finished["vigil"] = size
        if se == "ok":
            finished["evidently"] = size
        if sn == "ok":
            finished["nannyml"] = size
        ratio_t = f"{we / vt:.1f}× ({we / wq:.1f}× query only)" if vigil_ok and se == "ok" else "–"
        ratio_n = f"{wn / vt:.2f}× ({wn / wq:.1f}× query only)" if vigil_ok and sn == "ok" else "–"
        ratio_m = f"{rq / rn:.2f}" if vigil_ok and sn == "ok" and rq and rn else "–"
        rows_by_size[size] = dict(vigil_ok=vigil_ok, vt=vt, wq=wq, vr=vr, ri=ri, rq=rq, se=se, we=we, re=re_, sn=sn, wn=wn, rn=rn)
        p(f"| {size} | {cell(si, wi, ri)[0]} | {cell(sq, wq, rq)[0]} | {fmt_s(vt) if vt else '–'} | {fmt_mib(vr)} | {cell(sx, wx, rx)[0]} "
          f"| {cell(se, we, re_)[0]} | {cell(se, we, re_)[1]} | {cell(sn, wn, rn)[0]} | {cell(sn, wn, rn)[1]} | {ratio_n} | {ratio_t} | {ratio_m} |")
        steps = {}
        for name, (st, w, r) in (("vigil-ingest", (si, wi, ri)), ("vigil-query", (sq, wq, rq)), ("vigil-extra", (sx, wx, rx)),
                                 ("evidently", (se, we, re_)), ("nannyml", (sn, wn, rn))):
            steps[name] = {"status": st, "wall_s": w, "peak_mib": r}
        ratios = {
            "vigil_total_s": vt,
            "nannyml_over_vigil_total": wn / vt if vigil_ok and sn == "ok" else None,
            "evidently_over_vigil_total": we / vt if vigil_ok and se == "ok" else None,
            "vigil_total_over_nannyml": vt / wn if vigil_ok and sn == "ok" else None,
            "vigil_query_peak_over_nannyml_peak": rq / rn if vigil_ok and sn == "ok" and rq and rn else None,
        }
        summary["sizes"][size] = {"steps": steps, "ratios": ratios}
    p("")
    p("Largest size finished within 600 s: " + ", ".join(f"{t} {finished[t] or 'none'}" for t in finished) + ".\n")
    p("Targets (from this run):\n")
    targets = []

    def target(text, met):
        targets.append({"target": text, "met": met})
        p(f"- {text}: {'met' if met else 'missed'}.")

    for size in ("1M", "10M"):
        at = rows_by_size.get(size)
        if not at or not at["vigil_ok"]:
            continue
        if at["sn"] == "ok":
            r = at["vt"] / at["wn"]
            target(f"{size} rows, Vigil ingest + query ≤ 1/3 of NannyML's wall time: {fmt_s(at['vt'])} vs {fmt_s(at['wn'])}, {r:.2f} of it", r <= 1 / 3)
            if at["rq"] and at["rn"]:
                m = at["rq"] / at["rn"]
                target(f"{size} rows, Vigil query peak memory ≤ 1/3 of NannyML's: {fmt_mib(at['rq'])} vs {fmt_mib(at['rn'])}, {m:.2f} of it", m <= 1 / 3)
        if at["ri"]:
            target(f"{size} rows, Vigil ingest peak memory ≤ 1 GiB: {fmt_mib(at['ri'])}", at["ri"] <= 1024)
    at = rows_by_size.get("1M")
    if at and at["vigil_ok"]:
        if at["se"] == "ok":
            sp = at["we"] / at["vt"]
            target(f"1M rows, Evidently time ÷ Vigil time ≥ 50×: {sp:.1f}×", sp >= 50)
        else:
            p(f"- 1M rows: Evidently did not finish ({at['se']}); against the cut-off Vigil is ≥ {600 / at['vt']:.1f}× faster.")
    at = rows_by_size.get("10M")
    if at and at["vigil_ok"]:
        target(f"10M rows, drift query alone ≤ 10 s: {fmt_s(at['wq'])}", at["wq"] <= 10)
    summary["targets"] = targets
    p("")
    p("Peak memory per Vigil step: " + "; ".join(
        f"{size}: ingest {fmt_mib(read_step(run_dir, size, 'vigil-ingest')[2])}, query {fmt_mib(read_step(run_dir, size, 'vigil-query')[2])}"
        for size in sizes) + ".\n")

    loads = []
    for size in sizes:
        lp = os.path.join(run_dir, size, "load.txt")
        if not os.path.exists(lp):
            continue
        seen = {}
        for line in open(lp):
            m = re.match(r"(\S+) (before|after):\s+(\S+).*load average: ([\d.]+), ([\d.]+), ([\d.]+)", line.strip())
            if m:
                seen.setdefault(m.group(1), {})[m.group(2)] = (m.group(3), m.group(4))
        for step, ba in seen.items():
            b, a = ba.get("before", ("–", "–")), ba.get("after", ("–", "–"))
            loads.append(f"| {size} | {step} | {b[0]} | {b[1]} | {a[1]} |")
            st = summary["sizes"].get(size, {}).get("steps", {}).get(step)
            if st is not None:
                st.update({"started_utc": b[0], "load_before": float(b[1]) if b[1] != "–" else None,
                           "load_after": float(a[1]) if a[1] != "–" else None})
    if loads:
        p("Machine load: 1-minute load average (`uptime`) before and after each step, on 2 cores shared with other work.\n")
        p("| rows | step | started (UTC) | load before | load after |")
        p("|---|---|---|---|---|")
        p("\n".join(loads))
        p("")

    # Agreement and detection on the largest size every tool finished.
    for size in sizes:
        res = {t: read_results(os.path.join(run_dir, size, f"{t}.csv")) for t in TOOLS}
        if not res["vigil"]:
            continue
        truth = load_truth(os.path.join(run_dir, size))
        kind = {f: "numeric" for f in truth["numeric"]}
        kind.update({f: "categorical" for f in truth["categorical"]})
        p(f"## Agreement at {size} rows\n")
        p("Largest absolute difference over every (feature, day) both tools computed, and the feature and day where it occurs.\n")
        p("| metric | tools | pairs | max abs diff | where | median abs diff | max relative diff |")
        p("|---|---|---|---|---|---|---|")
        for label, ta, ma, tb, mb, k, tr in PAIRS:
            if not res[ta] or not res[tb]:
                continue
            diffs = []
            for (m, feat, day), (va, _) in res[ta].items():
                if m != ma or kind.get(feat) != k:
                    continue
                b = res[tb].get((mb, feat, day))
                if b is None:
                    continue
                vb = b[0]
                if tr == "e2":
                    vb = vb / math.sqrt(LN2)
                elif tr == "norm":
                    w, wn = res["vigil"].get(("wasserstein", feat, day)), res["vigil"].get(("wasserstein_norm", feat, day))
                    if not w or not wn or wn[0] == 0:
                        continue
                    vb = vb / (w[0] / wn[0])
                if math.isnan(va) or math.isnan(vb):
                    continue
                diffs.append((abs(va - vb), feat, day, abs(va - vb) / max(abs(va), abs(vb), 1e-300)))
            if not diffs:
                continue
            diffs.sort()
            worst = diffs[-1]
            med = diffs[len(diffs) // 2][0]
            rel = max(d[3] for d in diffs)
            p(f"| {label} | {ta} – {tb} | {len(diffs)} | {worst[0]:.3g} | {worst[1]} day {worst[2]} | {med:.3g} | {rel:.3g} |")
        p("")
        p(f"## Planted-drift detection at {size} rows\n")
        drifted = {d["feature"]: d["startDay"] for d in truth["drifted"]}
        p("Drifted: " + ", ".join(f"{f} from day {s}" for f, s in sorted(drifted.items())) + ". "
          "Feature level: a drifted feature is found (TP) when flagged on at least one day on or after its drift start; "
          "a non-drifted feature flagged on any day is a false positive (FP). Window level: each (feature, day) is one case, "
          "positive when the feature has drifted by that day. Only the features a method applies to count.\n")
        p("| tool | rule | features | TP | FN | FP | precision | recall | window precision | window recall | median days to first flag |")
        p("|---|---|---|---|---|---|---|---|---|---|---|")
        for tool, method, rule, kinds, *custom in DETECTORS:
            r = res[tool]
            if custom:
                r = {k: (v, custom[0](v)) for k, (v, _) in r.items() if k[0] == method}
            if not r:
                continue
            feats = [f for f in kind if kind[f] in kinds]
            tp = fn = fp = 0
            wtp = wfp = wfn = 0
            delays = []
            have = False
            for f in feats:
                flagged_days = {day for (m, ff, day), (_, fl) in r.items() if m == method and ff == f and fl}
                all_days = {day for (m, ff, day) in r if m == method and ff == f}
                if not all_days:
                    continue
                have = True
                if f in drifted:
                    after = sorted(d for d in flagged_days if d >= drifted[f])
                    if after:
                        tp += 1
                        delays.append(after[0] - drifted[f])
                    else:
                        fn += 1
                elif flagged_days:
                    fp += 1
                for day in all_days:
                    pos = f in drifted and day >= drifted[f]
                    got = day in flagged_days
                    wtp += pos and got
                    wfp += (not pos) and got
                    wfn += pos and not got
            if not have:
                continue
            prec = f"{tp / (tp + fp):.2f}" if tp + fp else "–"
            rec = f"{tp / (tp + fn):.2f}" if tp + fn else "–"
            wprec = f"{wtp / (wtp + wfp):.2f}" if wtp + wfp else "–"
            wrec = f"{wtp / (wtp + wfn):.2f}" if wtp + wfn else "–"
            delays.sort()
            dl = f"{delays[len(delays) // 2]}" if delays else "–"
            p(f"| {tool} | {rule} | {len(feats)} | {tp} | {fn} | {fp} | {prec} | {rec} | {wprec} | {wrec} | {dl} |")
        p("")
    if meta:
        p("## Environment\n")
        for k, v in meta.items():
            p(f"- {k}: {v}")
        p("")
    text = "\n".join(out)
    with open(args.out, "w") as f:
        f.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    print(text)


def run_versions(args):
    import evidently
    import nannyml
    import numpy
    import pandas
    import scipy

    print(json.dumps({
        "Python": platform.python_version(),
        "Evidently": evidently.__version__,
        "NannyML": nannyml.__version__,
        "pandas": pandas.__version__,
        "NumPy": numpy.__version__,
        "SciPy": scipy.__version__,
    }))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("evidently", "nannyml", "scipy"):
        s = sub.add_parser(name)
        s.add_argument("--data", required=True)
        s.add_argument("--out", required=True)
    s = sub.add_parser("vigil")
    s.add_argument("--data", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("inputs", nargs="+")
    s = sub.add_parser("report")
    s.add_argument("--run", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--json", help="also write a machine-readable summary: per size, each step's status, wall seconds, "
                                 "peak MiB and load, the ratios and the targets")
    sub.add_parser("versions")
    args = ap.parse_args()
    {"evidently": run_evidently, "nannyml": run_nannyml, "scipy": run_scipy, "vigil": run_vigil, "report": run_report, "versions": run_versions}[args.cmd](args)


if __name__ == "__main__":
    main()
