import numpy as np

from classifiers.evaluate import MIN_THRESHOLD, choose_threshold, threshold_sweep


def _sweep():
    labels = ["A", "B"]
    # confident items are right, unsure ones are wrong
    proba = np.array([[0.95, 0.05], [0.9, 0.1], [0.2, 0.8], [0.55, 0.45], [0.52, 0.48], [0.35, 0.65]])
    y = ["A", "A", "B", "B", "B", "A"]
    return threshold_sweep(y, proba, labels)


def test_sweep_reports_coverage_accuracy_and_unclassified_bucket():
    rows = {r["threshold"]: r for r in _sweep()}
    assert rows[0.0] == {"threshold": 0.0, "coverage": 1.0, "accuracy": 0.5, "not_classified": 0}
    assert rows[0.6]["coverage"] == round(4 / 6, 4) and rows[0.6]["accuracy"] == 0.75
    assert rows[0.7] == {"threshold": 0.7, "coverage": 0.5, "accuracy": 1.0, "not_classified": 3}
    assert rows[0.95]["not_classified"] == 5


def test_threshold_is_lowest_reaching_target_accuracy():
    assert choose_threshold(_sweep(), target=0.9) == 0.7
    assert choose_threshold(_sweep(), target=0.7) == 0.6


def test_threshold_never_below_floor():
    assert choose_threshold(_sweep(), target=0.4) == MIN_THRESHOLD


def test_threshold_when_target_is_out_of_reach():
    rows = [{"threshold": t, "coverage": 1 - t, "accuracy": 0.5 + t / 10, "not_classified": 0}
            for t in (0.0, 0.5, 0.9)]
    assert choose_threshold(rows, target=0.99) == 0.5  # best accuracy with coverage >= 20%


def test_trained_threshold_follows_cv_sweep(trained_registry):
    _, meta, _ = trained_registry
    assert meta["threshold"] == choose_threshold(meta["threshold_sweep"])
    assert MIN_THRESHOLD <= meta["threshold"] < 1


def test_label_translation_writes_codes_as_the_test_files_names():
    from classifiers.corpus import label_translation

    codes = ["CB", "DY", "PZ", "QT", "YD"]
    assert label_translation(codes, ["CB", "YD"]) == {}  # the test already speaks in codes
    assert label_translation(codes, ["参保缴费", "异地就医", "其他"]) == {"CB": "参保缴费", "QT": "其他", "YD": "异地就医"}
    # a shortened or decorated name is matched when only one test label fits
    assert label_translation(codes, ["医保电子凭证", "待遇报销(DY)"]) == {"DY": "待遇报销(DY)", "PZ": "医保电子凭证"}
    # a label that fits two test labels is left alone rather than guessed
    assert label_translation(codes, ["异地就医备案", "异地就医结算"]) == {}
