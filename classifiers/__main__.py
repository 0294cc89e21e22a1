"""Command line: ``python -m classifiers {train,evaluate,predict}``.

train     fit on the shipped corpus, cross-validate, save a new registry version
          (activated if the registry has none active)
evaluate  --train TRAIN.csv --test TEST.csv: fit the default pipeline on TRAIN,
          score on TEST; --test alone scores the active model (the default
          model is trained from the shipped corpus first when none is active).
          The last line of output is one JSON object.
predict   one text per stdin line → one JSON line per text
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

from .corpus import CorpusError, label_translation, load_shipped_corpus, read_csv_with_encoding
from .evaluate import format_sweep, evaluate_classifier
from .model import METADATA_FILE, ModelUnusable, ModelVersionMismatch, TicketClassifier
from .registry import ModelRegistry, UnknownVersion
from .train import TrainingError, fit_classifier, train_model

#: what a user's input or files can cause: a message on stderr and exit status 2, not a traceback
USAGE_ERRORS = (CorpusError, ModelVersionMismatch, ModelUnusable, UnknownVersion, TrainingError, OSError, csv.Error)
#: predict classifies the lines that have arrived together in one call, at most this many
PREDICT_BATCH = 512


def _print_progress(step: str, fraction: float) -> None:
    print(f"[{fraction:4.0%}] {step}", file=sys.stderr, flush=True)


def cmd_train(args) -> int:
    registry = ModelRegistry(args.registry)
    examples = load_shipped_corpus(args.corpus)
    if not examples:
        print("语料为空 / the corpus is empty", file=sys.stderr)
        return 2
    metadata = train_model(examples, registry, progress=_print_progress, activate=args.activate)
    cv = metadata["cv_metrics"]
    print(f"version {metadata['version']} in {registry.root}"
          f" (active: {registry.active_version()})")
    print(f"n={metadata['n_samples']} cv macro-F1={cv['macro_f1']} accuracy={cv['accuracy']}"
          f" type accuracy={cv.get('type', {}).get('accuracy')} threshold={metadata['threshold']}")
    print(format_sweep(metadata["threshold_sweep"]))
    print(json.dumps({"version": metadata["version"], "cv_metrics": cv, "threshold": metadata["threshold"]},
                     ensure_ascii=False))
    return 0


def _load_model(path: str | None, registry_root: str | None) -> TicketClassifier:
    if path and (Path(path) / METADATA_FILE).is_file():
        return TicketClassifier.load(path)
    if path and not Path(path).is_dir():  # a mistyped --model would have trained a new registry there (a minute)
        raise FileNotFoundError(f"{path}: 没有该模型目录 / no such model directory or registry")
    registry = ModelRegistry(path or registry_root)
    classifier = registry.load_active()
    if classifier is None:
        # "the shipped default model" is the one trained from the shipped corpus: build it once
        print(f"没有已激活的模型，先用随附语料训练默认模型（约半分钟）/ no active model in {registry.root}: "
              f"training the default model from the shipped corpus first", file=sys.stderr, flush=True)
        train_model(load_shipped_corpus(), registry, progress=_print_progress, activate=True)
        classifier = registry.load_active()
    return classifier


def _read(path: str, role: str):
    examples, encoding = read_csv_with_encoding(path)
    if encoding != "utf-8-sig":
        print(f"{path}: 按 {encoding} 编码读取 / read as {encoding}, not UTF-8", file=sys.stderr)
    if not examples:
        raise CorpusError(f"{path}: 没有可用的行（text 和 label 都不能为空）/ no usable {role} rows "
                          "(a row needs both text and label)")
    return examples


def cmd_evaluate(args) -> int:
    test = _read(args.test, "test")  # read first: a bad test file is reported before minutes of training
    if args.train:
        train = _read(args.train, "training")
        started = time.perf_counter()
        classifier = fit_classifier(train, with_type=False)
        train_seconds = time.perf_counter() - started
        n_train = len(train)
    else:
        classifier = _load_model(args.model, args.registry)
        train_seconds = None
        n_train = classifier.metadata.get("n_samples")
    translation = {} if args.train else label_translation(classifier.labels, [ex.label for ex in test])
    if translation:
        print("test labels are category names; the model's codes are scored as: "
              + ", ".join(f"{code}→{name}" for code, name in translation.items()))
    unknown = sorted({ex.label for ex in test} - set(classifier.labels) - set(translation.values()))
    if unknown:
        print("测试集中有模型没有的类别，其 F1 为 0 / test labels the model does not have (scored 0): "
              + ", ".join(unknown), file=sys.stderr)
    result = evaluate_classifier(classifier, [ex.text for ex in test], [ex.label for ex in test], translation)
    print("confusion matrix (rows: true, columns: predicted)")
    print(result["confusion"])
    print("threshold sweep (below the threshold: not classified)")
    print(format_sweep(result["sweep"]))
    summary = result["summary"]
    out = {
        "accuracy": summary["accuracy"],
        "macro_f1": summary["macro_f1"],
        "per_class_f1": summary["per_class_f1"],
        "train_seconds": None if train_seconds is None else round(train_seconds, 3),
        "predict_per_second": summary["predict_per_second"],
        "n_train": n_train,
        "n_test": summary["n_test"],
    }
    print(json.dumps(out, ensure_ascii=False), flush=True)
    return 0


def _arriving_lines(fd: int):
    """Lists of the input lines that have arrived, as bytes without their line ends: each read takes what the pipe
    holds at that moment, so a file is classified in batches while a caller that writes one line and waits for
    its answer gets it at once."""
    pending = b""
    while True:
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            break
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for start in range(0, len(complete), PREDICT_BATCH):
            yield complete[start:start + PREDICT_BATCH]
    if pending:
        yield [pending]


def _line_text(raw: bytes, first: bool) -> str:
    """A line of input as text: UTF-8, else GB18030 (said once on stderr; once a line was GB18030, later lines are
    read so first, since a short GBK line can also be valid UTF-8: 谢谢 would be лл), else UTF-8 with the bad bytes
    replaced, so that one damaged line does not stop the rest. A BOM and the line end are dropped."""
    encodings = ("gb18030", "utf-8") if _line_text.seen_gb18030 else ("utf-8", "gb18030")
    for encoding in encodings:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("utf-8", errors="replace")
        encoding = "utf-8"
        print("标准输入有一行无法解码，已替换无法识别的字节 / a line of stdin could not be decoded: its bad bytes were "
              "replaced", file=sys.stderr)
    if encoding == "gb18030" and not _line_text.seen_gb18030:
        print("标准输入不是 UTF-8，按 gb18030 读取 / stdin is not UTF-8: read as gb18030", file=sys.stderr)
        _line_text.seen_gb18030 = True
    if first:
        text = text.lstrip("\ufeff")
    return text.rstrip("\r")


_line_text.seen_gb18030 = False


def cmd_predict(args) -> int:
    classifier = _load_model(args.model, args.registry)
    first = True
    for batch in _arriving_lines(sys.stdin.fileno()):
        texts = [_line_text(raw, first and i == 0) for i, raw in enumerate(batch)]
        first = False
        lines = [json.dumps({"label": p.label, "confidence": p.confidence, "top": [list(t) for t in p.top],
                             "type": p.type, "type_confidence": p.type_confidence, "reasons": p.reasons,
                             "model_version": p.model_version}, ensure_ascii=False)
                 for p in classifier.predict_many(texts)]
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m classifiers", description="12393 ticket classifier")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train on the shipped corpus and register a new version")
    p.add_argument("--registry", help="registry root (default $CLASSIFIER_REGISTRY or classifiers/artifacts)")
    p.add_argument("--corpus", help="directory of <CODE>.csv files (default: the shipped corpus)")
    p.add_argument("--activate", action="store_true", help="activate the new version even if another is active")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="score on a labelled CSV (text,label)")
    p.add_argument("--train", help="train the default pipeline on this CSV first")
    p.add_argument("--test", required=True)
    p.add_argument("--model", help="a model version directory or a registry root")
    p.add_argument("--registry", help="registry root whose active model is evaluated")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("predict", help="one text per stdin line, one JSON line out")
    p.add_argument("--model", help="a model version directory or a registry root")
    p.add_argument("--registry", help="registry root whose active model is used")
    p.set_defaults(func=cmd_predict)

    args = parser.parse_args(argv)
    for stream in (sys.stdin, sys.stdout):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    try:
        return args.func(args)
    except BrokenPipeError:  # `… predict | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush is quiet too
        return 0
    except USAGE_ERRORS as exc:
        print(str(exc), file=sys.stderr)
        return 2

if __name__ == "__main__":
    sys.exit(main())
