"""Kaplan-Meier curves, pointwise limits, quantiles, landmarks and reverse Kaplan-Meier
against R survival (one Rscript run per module: survfit, quantile.survfit, print's table,
summary(times =, extend = TRUE)) and lifelines, on GBSG2 and small hand-made data sets."""

from __future__ import annotations

import subprocess

import numpy as np
import pandas as pd
import pytest

from icarus_omics.errors import IcarusError
from icarus_omics.survival.km import kaplan_meier, reverse_kaplan_meier
from tests.conftest import rscript_with, shared_file

CONF_TYPES = ("log-log", "log", "plain")
LEVELS = (0.95, 0.9)
PROBS = (0.25, 0.5, 0.75)
RTOL = 1e-10

# Hand-made data sets: (times, events, landmarks). Each exercises one of R's rules.
HAND = {
    # ties; S = 0.75 * (1 - 2/6) is 0.5 up to rounding from t = 3 to 6: median (3 + 6) / 2
    "midpoint": ([2, 2, 3, 3, 4, 5, 6, 7], [1, 1, 1, 1, 0, 0, 1, 0], [-1, 0, 2, 3, 4.5, 7, 9]),
    # flat at exactly 0.5 to the last time: quantile() says 3, print() says 2
    "ends_at_half": ([1, 2, 3, 4], [1, 1, 0, 0], [0.5, 1, 2, 4, 5]),
    "not_reached": (list(range(1, 11)), [1, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0, 5, 10, 11]),
    "event_free": ([3, 5, 5, 8], [0, 0, 0, 0], [0, 4, 8, 9]),
    # S reaches 0 at the last time (std.err Inf, limits NA/NaN), with tied events
    "all_events": ([1, 2, 2, 3, 5], [1, 1, 1, 1, 1], [0, 2, 4, 5, 6]),
    # events at time 0: survfit0 adds no row, so a landmark before 0 takes the first row
    "time_zero": ([0, 0, 1, 2, 3, 3], [1, 0, 1, 0, 1, 0], [-1, 0, 0.5, 3, 4]),
    # times within sqrt(eps) of each other are one time for survfit (aeqSurv)
    "near_ties": ([1, 1 + 1e-12, 1.5, 2, 2 + 4e-9, 3, 3.5], [1, 1, 0, 1, 1, 0, 1], [1, 2, 3]),
}
GBSG_LANDMARKS = [0, 365, 730, 1825, 2659, 3000]  # days; the last time is 2659
LARGE_LANDMARKS = [6, 12, 24, 200]
CURVES = [*HAND, "gbsg", "gbsg_horTh:no", "gbsg_horTh:yes", "large"]

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
a <- commandArgs(TRUE)
d <- read.delim(a[1], colClasses = c("character", "character", "numeric", "numeric"))
lm <- read.delim(a[2], colClasses = c("character", "numeric"))
out <- file(a[3], "w")
put <- function(key, field, x) {
  s <- ifelse(is.na(x) & !is.nan(x), "NA", sprintf("%.17g", x))
  writeLines(paste(c(key, field, paste(s, collapse = " ")), collapse = "\t"), out)
}
emit <- function(key, f, r, times) {
  for (v in c("time", "n.risk", "n.event", "n.censor", "surv", "std.err", "lower", "upper"))
    put(key, v, f[[v]])
  q <- quantile(f, c(0.25, 0.5, 0.75))
  put(key, "q_est", q$quantile); put(key, "q_lower", q$lower); put(key, "q_upper", q$upper)
  tb <- summary(f)$table
  put(key, "table", tb[c("median", grep("LCL|UCL", names(tb), value = TRUE))])
  s <- summary(f, times = times, extend = TRUE)
  for (v in c("time", "n.risk", "surv", "lower", "upper")) put(key, paste0("at_", v), s[[v]])
  for (v in c("time", "surv", "std.err", "lower", "upper")) put(key, paste0("rev_", v), r[[v]])
  q <- quantile(r, 0.5)
  put(key, "rev_q", c(q$quantile, q$lower, q$upper))
}
for (ds in unique(d$dataset)) {
  s <- d[d$dataset == ds, ]
  times <- lm$time[lm$dataset == ds]
  for (ct in c("log-log", "log", "plain")) for (lv in c(0.95, 0.9)) {
    prefix <- paste(ds, ct, lv, sep = "|")
    if (length(unique(s$group)) > 1) {
      f <- survfit(Surv(time, event) ~ group, data = s, conf.type = ct, conf.int = lv)
      r <- survfit(Surv(time, 1 - event) ~ group, data = s, conf.type = ct, conf.int = lv)
      for (i in seq_along(f$strata)) {
        level <- sub("group=", "", names(f$strata)[i])
        emit(paste(paste0(ds, ":", level), ct, lv, sep = "|"), f[i], r[i], times)
      }
    } else {
      f <- survfit(Surv(time, event) ~ 1, data = s, conf.type = ct, conf.int = lv)
      r <- survfit(Surv(time, 1 - event) ~ 1, data = s, conf.type = ct, conf.int = lv)
      emit(prefix, f, r, times)
    }
  }
}
close(out)
cat(R.version.string, "survival", format(packageVersion("survival")), "\n")
"""


@pytest.fixture(scope="module")
def gbsg() -> pd.DataFrame:
    return pd.read_csv(shared_file("08_survival_expression/sksurv_GBSG2.tsv"), sep="\t")


def large_data() -> tuple[np.ndarray, np.ndarray]:
    """10,000 patients, whole-month times (many ties), about 70% events."""
    rng = np.random.default_rng(7)
    return np.ceil(rng.exponential(20, size=10_000)), (rng.random(10_000) < 0.7).astype(int)


def data_sets(gbsg: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every curve compared with R, by the key R's output uses."""
    curves = {name: (np.array(t, dtype=float), np.array(e)) for name, (t, e, _) in HAND.items()}
    curves["gbsg"] = (gbsg["time"].to_numpy(), gbsg["cens"].to_numpy())
    for level in ("no", "yes"):
        members = gbsg[gbsg["horTh"] == level]
        curves[f"gbsg_horTh:{level}"] = (members["time"].to_numpy(), members["cens"].to_numpy())
    curves["large"] = large_data()
    return curves


def landmarks(name: str) -> list[float]:
    if name.startswith("gbsg"):
        return [float(t) for t in GBSG_LANDMARKS]
    if name == "large":
        return [float(t) for t in LARGE_LANDMARKS]
    return [float(t) for t in HAND[name][2]]


@pytest.fixture(scope="module")
def r_out(gbsg: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Run R once on every data set; {(curve, conf_type, level): {field: values}}."""
    rscript = rscript_with("survival")
    folder = tmp_path_factory.mktemp("km")
    rows, marks = [], []
    for name, (t, e) in data_sets(gbsg).items():
        dataset, _, group = name.partition(":")
        rows.append(pd.DataFrame({"dataset": dataset, "group": group or "all", "time": t,
                                  "event": e}))  # fmt: skip
        if not group or group == "no":
            marks.append(pd.DataFrame({"dataset": dataset, "time": landmarks(name)}))
    # %.17g keeps every bit of the times, so R reads exactly the doubles we use
    pd.concat(rows).to_csv(folder / "d.tsv", sep="\t", index=False, float_format="%.17g")
    pd.concat(marks).to_csv(folder / "lm.tsv", sep="\t", index=False, float_format="%.17g")
    (folder / "km.R").write_text(R_SCRIPT)
    subprocess.run([rscript, str(folder / "km.R"), str(folder / "d.tsv"), str(folder / "lm.tsv"),
                    str(folder / "out.tsv")], capture_output=True, text=True, timeout=300,
                   check=True)  # fmt: skip
    out: dict = {}
    for line in (folder / "out.tsv").read_text().splitlines():
        key, field, values = line.split("\t")
        curve, conf_type, level = key.split("|")
        numbers = [np.nan if v == "NA" else float(v) for v in values.split(" ") if v]
        out.setdefault((curve, conf_type, float(level)), {})[field] = np.array(numbers)
    return out


COMBINATIONS = [(c, t, lv) for c in CURVES for t in CONF_TYPES for lv in LEVELS]


def close(ours: object, theirs: np.ndarray) -> None:
    """Equal to R within RTOL, NaN (R's NA or NaN) where R has them, Inf where R has Inf."""
    np.testing.assert_allclose(np.asarray(ours, dtype=float), theirs, rtol=RTOL, atol=0,
                               equal_nan=True)  # fmt: skip


@pytest.mark.parametrize(("curve", "conf_type", "level"), COMBINATIONS)
def test_curve_equals_survfit(gbsg: pd.DataFrame, r_out: dict, curve: str, conf_type: str,
                              level: float) -> None:  # fmt: skip
    r = r_out[curve, conf_type, level]
    km = kaplan_meier(*data_sets(gbsg)[curve], conf_level=level, conf_type=conf_type)
    assert (km.conf_level, km.conf_type) == (level, conf_type)
    np.testing.assert_array_equal(km.time, r["time"])
    for ours, field in ((km.n_risk, "n.risk"), (km.n_event, "n.event"),
                        (km.n_censor, "n.censor")):  # fmt: skip
        np.testing.assert_array_equal(ours, r[field])
    for ours, field in ((km.survival, "surv"), (km.std_err, "std.err"), (km.lower, "lower"),
                        (km.upper, "upper")):  # fmt: skip
        close(ours, r[field])


@pytest.mark.parametrize(("curve", "conf_type", "level"), COMBINATIONS)
def test_quantiles_equal_quantile_survfit(gbsg: pd.DataFrame, r_out: dict, curve: str,
                                          conf_type: str, level: float) -> None:  # fmt: skip
    r = r_out[curve, conf_type, level]
    km = kaplan_meier(*data_sets(gbsg)[curve], conf_level=level, conf_type=conf_type)
    ours = np.array([km.quantile(q) for q in PROBS])
    close(ours[:, 0], r["q_est"])
    close(ours[:, 1], r["q_lower"])
    close(ours[:, 2], r["q_upper"])
    assert km.median() == pytest.approx(km.quantile(0.5)[0], nan_ok=True)


# print.survfit's own median rule differs from quantile.survfit's on "ends_at_half" (below)
PRINTED = [combination for combination in COMBINATIONS if combination[0] != "ends_at_half"]


@pytest.mark.parametrize(("curve", "conf_type", "level"), PRINTED)
def test_median_equals_print_survfit(gbsg: pd.DataFrame, r_out: dict, curve: str,
                                     conf_type: str, level: float) -> None:  # fmt: skip
    km = kaplan_meier(*data_sets(gbsg)[curve], conf_level=level, conf_type=conf_type)
    close(km.quantile(0.5), r_out[curve, conf_type, level]["table"])


def test_print_and_quantile_disagree_when_the_curve_ends_at_half(r_out: dict) -> None:
    # survmean (print, summary()$table) takes the start of a flat stretch at 0.5 that runs to
    # the end; findq (quantile) the midpoint of it and the last time. We follow quantile.
    r = r_out["ends_at_half", "log-log", 0.95]
    km = kaplan_meier(*map(np.array, HAND["ends_at_half"][:2]))
    assert (r["table"][0], r["q_est"][1]) == (2.0, 3.0)
    assert km.median() == 3.0


@pytest.mark.parametrize(("curve", "conf_type", "level"), COMBINATIONS)
def test_landmarks_equal_summary_extend(gbsg: pd.DataFrame, r_out: dict, curve: str,
                                        conf_type: str, level: float) -> None:  # fmt: skip
    r = r_out[curve, conf_type, level]
    km = kaplan_meier(*data_sets(gbsg)[curve], conf_level=level, conf_type=conf_type)
    times = np.array(landmarks(curve))
    np.testing.assert_array_equal(times, r["at_time"])
    surv, lower, upper, n_risk = km.at(times)
    close(surv, r["at_surv"])
    close(lower, r["at_lower"])
    close(upper, r["at_upper"])
    np.testing.assert_array_equal(n_risk, r["at_n.risk"])
    reordered = km.at(times[::-1])  # R sorts the times; we keep the caller's order
    close(reordered[0], r["at_surv"][::-1])


@pytest.mark.parametrize(("curve", "conf_type", "level"), COMBINATIONS)
def test_reverse_km_equals_survfit(gbsg: pd.DataFrame, r_out: dict, curve: str, conf_type: str,
                                   level: float) -> None:  # fmt: skip
    r = r_out[curve, conf_type, level]
    reverse = reverse_kaplan_meier(*data_sets(gbsg)[curve], conf_level=level,
                                   conf_type=conf_type)  # fmt: skip
    np.testing.assert_array_equal(reverse.time, r["rev_time"])
    close(reverse.survival, r["rev_surv"])
    close(reverse.std_err, r["rev_std.err"])
    close(reverse.lower, r["rev_lower"])
    close(reverse.upper, r["rev_upper"])
    close(reverse.quantile(0.5), r["rev_q"])


def test_gbsg_medians_as_r_prints_them(gbsg: pd.DataFrame) -> None:
    # print(survfit(Surv(time, cens) ~ horTh, GBSG2, conf.type = "log-log")) and the same
    # with Surv(time, 1 - cens), R 4.2.2, survival 3.5.3; days
    km = kaplan_meier(gbsg["time"], gbsg["cens"])
    assert km.quantile(0.5) == (1807, 1528, 2018)
    printed = {"no": ((1528, 1280, 1814), (1582, 1443, 1675)),
               "yes": ((2018, 1918, np.nan), (1729, 1637, 1821))}  # fmt: skip
    for level, (median, follow_up) in printed.items():
        members = gbsg[gbsg["horTh"] == level]
        time, event = members["time"].to_numpy(), members["cens"].to_numpy()
        np.testing.assert_array_equal(kaplan_meier(time, event).quantile(0.5), median)
        np.testing.assert_array_equal(reverse_kaplan_meier(time, event).quantile(0.5), follow_up)


def test_survival_and_log_log_limits_equal_lifelines(gbsg: pd.DataFrame) -> None:
    from lifelines import KaplanMeierFitter

    km = kaplan_meier(gbsg["time"], gbsg["cens"])
    fitter = KaplanMeierFitter(alpha=0.05).fit(gbsg["time"], gbsg["cens"])
    theirs = fitter.survival_function_["KM_estimate"].reindex(km.time)
    np.testing.assert_allclose(km.survival, theirs.to_numpy(), rtol=1e-12)
    limits = fitter.confidence_interval_.reindex(km.time).to_numpy()
    informative = (km.survival < 1) & (km.survival > 0)
    np.testing.assert_allclose(km.lower[informative], limits[informative, 0], rtol=1e-12)
    np.testing.assert_allclose(km.upper[informative], limits[informative, 1], rtol=1e-12)
    assert km.median() == pytest.approx(fitter.median_survival_time_)


def test_midpoint_rule_by_hand() -> None:
    km = kaplan_meier(np.array([2, 2, 3, 3, 4, 5, 6, 7]), np.array([1, 1, 1, 1, 0, 0, 1, 0]))
    np.testing.assert_allclose(km.survival, [0.75, 0.5, 0.5, 0.5, 0.25, 0.25])
    assert km.median() == 4.5
    assert km.quantile(0.25)[0] == 2.5  # S is exactly 0.75 from t = 2 to 3 as well
    assert km.quantile(0.75)[0] == 6.5  # S = 0.25 from t = 6 to the last time, 7


def test_median_not_reached_is_nan() -> None:
    km = kaplan_meier(np.arange(1.0, 11.0), np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
    estimate, low, high = km.quantile(0.5)
    assert np.isnan(estimate) and np.isnan(high) and low == 1.0


def test_event_free_curve() -> None:
    km = kaplan_meier(np.array([3.0, 5, 5, 8]), np.zeros(4))
    np.testing.assert_array_equal(km.survival, 1.0)
    np.testing.assert_array_equal(km.std_err, 0.0)
    assert np.isnan(km.lower).all() and np.isnan(km.upper).all()  # log-log is NA at S = 1
    assert np.isnan(km.quantile(0.5)).all()
    follow_up = reverse_kaplan_meier(np.array([3.0, 5, 5, 8]), np.zeros(4))
    assert follow_up.median() == 5.0


def test_times_within_tolerance_are_one_time_as_survfit_timefix() -> None:
    time, event, _ = HAND["near_ties"]
    km = kaplan_meier(np.array(time), np.array(event))
    np.testing.assert_array_equal(km.time, [1, 1.5, 2, 3, 3.5])
    np.testing.assert_array_equal(km.n_event, [2, 0, 2, 0, 1])


def test_at_risk_and_defaults_kept_for_old_callers() -> None:
    time, event = np.array([1.0, 2, 2, 4]), np.array([1, 0, 1, 1])
    km = kaplan_meier(time, event)
    assert (km.conf_level, km.conf_type) == (0.95, "log-log")
    np.testing.assert_array_equal(km.n_censor, [0, 1, 0])
    np.testing.assert_array_equal(km.at_risk(np.array([0.0, 2, 3]), time), [4, 3, 1])


def test_ten_thousand_rows_are_fast() -> None:
    import time as clock

    start = clock.perf_counter()
    km = kaplan_meier(*large_data())
    km.quantile(0.5)
    km.at(np.array([6.0, 12.0]))
    assert clock.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("time", "event", "options", "message"),
    [
        ([1.0, 2.0], [1], {}, "2 times but 1 event flags"),
        ([], [], {}, "no patients"),
        ([1.0, np.nan], [1, 0], {}, "times must be finite"),
        ([1.0, 2.0], [1, 2], {}, "0 (censored) or 1 (event)"),
        ([1.0, 2.0], [1, 0], {"conf_type": "logit"}, "conf_type must be one of"),
        ([1.0, 2.0], [1, 0], {"conf_level": 95}, "conf_level must be between 0 and 1"),
    ],
)
def test_bad_input_raises_icarus_error(time: list, event: list, options: dict,
                                       message: str) -> None:  # fmt: skip
    with pytest.raises(IcarusError, match=message.replace("(", r"\(").replace(")", r"\)")):
        kaplan_meier(np.array(time), np.array(event), **options)


def test_quantile_outside_zero_one_raises() -> None:
    with pytest.raises(IcarusError, match="q must be between 0 and 1"):
        kaplan_meier(np.array([1.0, 2.0]), np.array([1, 1])).quantile(1.5)
