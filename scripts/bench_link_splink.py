#!/usr/bin/env python3
"""Splink 4 (DuckDB) baseline for the record-linkage benchmark (scripts/bench-link).

Links poverty_register.csv and dibao_register.csv (layouts: docs/LAYOUTS.md) with blocking rules and
comparison levels equivalent to gongrong_link's defaults (crates/gongrong_link/link.default.toml), and
evaluates the clustering against the generator's truth.csv with the definition of gongrong_link's
eval.rs (`evaluate_clusters`).

Usage: bench_link_splink.py POVERTY.csv DIBAO.csv TRUTH.csv [--threshold-weight 6.0] [--u-pairs 2e6]
       bench_link_splink.py --eval-clusters CLUSTERS.csv TRUTH.csv
Prints phase timings on stderr and one line `RESULT {json}` on stdout. The second form evaluates another
linker's clustering (`source,row,cluster`, as `gongrong link --out pairs.csv` writes to
pairs_clusters.csv) with the same code, so both tools are measured by one evaluator.
"""

import argparse
import json
import math
import re
import sys
import time
import unicodedata

import duckdb
import pandas as pd
from pypinyin import Style, lazy_pinyin
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
import splink.comparison_level_library as cll
import splink.comparison_library as cl

# Same set as gongrong_link::eval::CORRUPTED_ID_DEFECTS (id_legacy15 is reported per defect only).
CORRUPTED_ID_DEFECTS = ("id_typo_substitution", "id_typo_swap")

T0 = time.monotonic()


def log(msg):
    print(f"[splink {time.monotonic() - T0:7.1f} s] {msg}", file=sys.stderr, flush=True)


# --- preparation: what a careful Splink user does to Chinese register data -------------------------

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def norm_id(raw):
    """18-digit ID number: trimmed, upper-case X, legacy 15-digit numbers converted (19yy + checksum)."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or "")).upper()
    if len(s) == 15 and s.isdigit():
        body = s[:6] + "19" + s[6:]
        return body + CHECK[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]
    return s or None


def valid_date(s):
    if not s or len(s) != 8 or not s.isdigit():
        return None
    y, m, d = int(s[:4]), int(s[4:6]), int(s[6:])
    return s if 1880 <= y <= 2030 and 1 <= m <= 12 and 1 <= d <= 31 else None


def birth_from_id(i):
    return valid_date(i[6:14]) if i and len(i) == 18 else None


def sex_from_id(i):
    if i and len(i) == 18 and i[16].isdigit():
        return "男" if int(i[16]) % 2 == 1 else "女"
    return None


def parse_date(raw):
    s = (raw or "").strip()
    if not s:
        return None
    parts = re.split(r"[-/.年月日]", s)
    parts = [p for p in parts if p]
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        return valid_date(f"{int(parts[0]):04d}{int(parts[1]):02d}{int(parts[2]):02d}")
    return valid_date(s)


SEPARATORS = re.compile(r"[\s\u3000·•．.‧・]")


def clean_name(raw):
    s = SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    return s or None


def prepare(df, src, cols, birth_col, id_offset):
    ids = [norm_id(v) for v in df[cols["id"]]]
    from_id = [birth_from_id(i) for i in ids]
    if birth_col:  # the recorded date when readable, else the ID number's
        birth = [parse_date(v) or f for v, f in zip(df[birth_col], from_id)]
    else:
        birth = from_id
    sex = [v.strip() if v.strip() in ("男", "女") else sex_from_id(i)
           for v, i in zip(df[cols["sex"]], ids)]
    village = [re.sub(r"\D", "", v) for v in df[cols["village"]]]
    village = [v if len(v) == 12 else None for v in village]
    n = len(df)
    return pd.DataFrame({
        "unique_id": range(id_offset + 1, id_offset + n + 1),
        "id": ids,
        "name": [clean_name(v) for v in df[cols["name"]]],
        "birth_date": birth,
        "birth_year": [b[:4] if b else None for b in birth],
        "sex": sex,
        "village": village,
        "town": [v[:9] if v else None for v in village],
        "county": [v[:6] if v else None for v in village],
        "source": [src] * n,
    }, dtype=object).astype({"unique_id": "int64"})


def add_pinyin(frames):
    names = pd.unique(pd.concat([f["name"] for f in frames]).dropna())
    full, surname = {}, {}
    for n in names:
        syl = lazy_pinyin(n, style=Style.NORMAL, errors="ignore")
        full[n] = "".join(syl) or None
        surname[n] = syl[0] if syl else None
    for f in frames:
        f["name_py"] = f["name"].map(full)
        f["surname_py"] = f["name"].map(surname)


# --- evaluation: gongrong_link::eval::evaluate_clusters ----------------------------------------------


def evaluate(con):
    """Pairwise over all records in truth.csv (both registers, within-register pairs included)."""

    def pairs(k):
        return f"({k}) * ({k} - 1) // 2"

    def q(sql):
        return con.execute(sql).fetchone()[0] or 0

    true_pairs = q(f"SELECT sum({pairs('k')}) FROM (SELECT count(*) k FROM ev GROUP BY person)")
    predicted = q(f"SELECT sum({pairs('k')}) FROM (SELECT count(*) k FROM ev GROUP BY cluster)")
    tp = q(f"SELECT sum({pairs('k')}) FROM (SELECT count(*) k FROM ev GROUP BY person, cluster)")

    def with_flag(flag):
        # pairs with at least one flagged record = all pairs - pairs of unflagged records
        sql = (
            "SELECT sum({a} - {b}) FROM (SELECT count(*) k, count(*) FILTER (WHERE NOT ({f})) u "
            "FROM ev GROUP BY {g})"
        )
        a, b = pairs("k"), pairs("u")
        total = q(sql.format(a=a, b=b, f=flag, g="person"))
        found = q(sql.format(a=a, b=b, f=flag, g="person, cluster"))
        return total, found

    def ratio(a, b):
        return 1.0 if b == 0 else a / b

    corrupted = " OR ".join(f"defect = '{d}'" for d in CORRUPTED_ID_DEFECTS)
    cp, cf = with_flag(corrupted)
    by_defect = []
    for (d,) in con.execute("SELECT DISTINCT defect FROM ev WHERE defect <> '' ORDER BY 1").fetchall():
        n, f = with_flag(f"defect = '{d}'")
        by_defect.append({"defect": d, "pairs": n, "found": f, "recall": ratio(f, n)})
    precision, recall = ratio(tp, predicted), ratio(tp, true_pairs)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {
        "true_pairs": true_pairs,
        "predicted_pairs": predicted,
        "true_positives": tp,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "corrupted_id_pairs": cp,
        "corrupted_id_recall": ratio(cf, cp),
        "by_defect": by_defect,
    }


def eval_clusters(clusters_csv, truth_csv):
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE ev AS SELECT t.person_uid AS person, c.cluster AS cluster, coalesce(t.defect, '') AS defect "
        f"FROM read_csv('{clusters_csv}', all_varchar=true) c "
        f"JOIN read_csv('{truth_csv}', all_varchar=true) t "
        "ON t.register = c.source AND CAST(t.row AS BIGINT) = CAST(c.row AS BIGINT)")
    print("RESULT " + json.dumps(evaluate(con)), flush=True)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--eval-clusters":
        return eval_clusters(sys.argv[2], sys.argv[3])
    ap = argparse.ArgumentParser()
    ap.add_argument("poverty")
    ap.add_argument("dibao")
    ap.add_argument("truth")
    ap.add_argument("--threshold-weight", type=float, default=6.0,
                    help="match weight for predict and clustering (gongrong's [bands] match = 6.0)")
    ap.add_argument("--u-pairs", type=float, default=2e6,
                    help="random pairs for u (gongrong's u_sample_pairs = 2,000,000)")
    ap.add_argument("--seed", type=int, default=20210101)
    a = ap.parse_args()

    read = dict(dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pov_raw = pd.read_csv(a.poverty, **read)
    dib_raw = pd.read_csv(a.dibao, **read)
    pov = prepare(pov_raw, "poverty",
                  dict(id="证件号码", name="姓名", sex="性别", village="行政区划代码"), None, 0)
    dib = prepare(dib_raw, "dibao",
                  dict(id="身份证号码", name="成员姓名", sex="性别", village="所属区划"), "出生日期",
                  100_000_000)
    del pov_raw, dib_raw
    add_pinyin([pov, dib])
    log(f"loaded and prepared {len(pov)} + {len(dib)} records")

    comparisons = [
        cl.CustomComparison(output_column_name="id", comparison_levels=[
            cll.NullLevel("id"),
            cll.ExactMatchLevel("id"),
            cll.LevenshteinLevel("id", 2),
            cll.ElseLevel(),
        ]),
        cl.CustomComparison(output_column_name="name", comparison_levels=[
            cll.NullLevel("name"),
            cll.ExactMatchLevel("name", term_frequency_adjustments=True),
            cll.ExactMatchLevel("name_py"),
            cll.JaroWinklerLevel("name_py", 0.92),
            cll.JaroWinklerLevel("name_py", 0.80),
            cll.ElseLevel(),
        ]),
        cl.CustomComparison(output_column_name="birth_date", comparison_levels=[
            cll.NullLevel("birth_date"),
            cll.ExactMatchLevel("birth_date"),
            cll.CustomLevel(
                "((substr(birth_date_l,1,4) <> substr(birth_date_r,1,4))::INT"
                " + (substr(birth_date_l,5,2) <> substr(birth_date_r,5,2))::INT"
                " + (substr(birth_date_l,7,2) <> substr(birth_date_r,7,2))::INT) = 1"
                " OR (substr(birth_date_l,1,4) = substr(birth_date_r,1,4)"
                " AND substr(birth_date_l,5,2) = substr(birth_date_r,7,2)"
                " AND substr(birth_date_l,7,2) = substr(birth_date_r,5,2))",
                label_for_charts="one field differs (or month/day swapped)",
            ),
            cll.ElseLevel(),
        ]),
        cl.ExactMatch("sex"),
        cl.CustomComparison(output_column_name="region", comparison_levels=[
            cll.NullLevel("village"),
            cll.ExactMatchLevel("village"),
            cll.ExactMatchLevel("town"),
            cll.ExactMatchLevel("county"),
            cll.ElseLevel(),
        ]),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[
            block_on("id"),
            block_on("name_py", "birth_year"),
            block_on("surname_py", "birth_date"),
            block_on("village", "birth_date"),
            block_on("name", "village"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker([pov, dib], settings, db_api=db, input_table_aliases=["poverty", "dibao"])

    linker.training.estimate_probability_two_random_records_match([block_on("id")], recall=0.97)
    linker.training.estimate_u_using_random_sampling(max_pairs=a.u_pairs, seed=a.seed)
    log("u estimated")
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("id"))
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("village", "birth_date"))
    log("m estimated (EM)")
    predictions = linker.inference.predict(threshold_match_weight=a.threshold_weight)
    log("predicted")
    p = 2 ** a.threshold_weight / (1 + 2 ** a.threshold_weight)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=p)
    cl_df = clusters.as_pandas_dataframe()[["unique_id", "cluster_id"]]
    log(f"clustered: {cl_df['cluster_id'].nunique()} clusters")

    truth = pd.read_csv(a.truth, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    con = duckdb.connect()
    con.register("clusters", cl_df)
    con.register("truth", truth)
    con.execute(
        "CREATE TABLE ev AS SELECT t.person_uid AS person, c.cluster_id AS cluster, coalesce(t.defect, '') AS defect "
        "FROM clusters c JOIN truth t ON t.register = CASE WHEN c.unique_id >= 100000000 "
        "THEN 'dibao' ELSE 'poverty' END AND CAST(t.row AS BIGINT) = c.unique_id % 100000000")
    result = evaluate(con)
    result["records"] = len(pov) + len(dib)
    result["settings"] = {
        "splink": __import__("splink").__version__,
        "duckdb": duckdb.__version__,
        "threshold_match_weight": a.threshold_weight,
        "u_pairs": a.u_pairs,
    }
    log("evaluated")
    print("RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
