"""Training examples and the corpus shipped in ``classifiers/data/corpus/``.

The shipped corpus is one UTF-8 CSV per category, ``<CODE>.csv``, with the
header ``text,label,type``.  Evaluation files need only ``text,label``; other
columns are ignored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "data" / "corpus"

CATEGORIES = {
    "CB": "参保缴费",
    "DY": "待遇报销",
    "MT": "门诊慢特病",
    "YD": "异地就医",
    "SY": "生育保险",
    "JZ": "医疗救助",
    "ZH": "个人账户",
    "PZ": "医保电子凭证与信息系统",
    "JG": "药品价格与集采",
    "DD": "定点医药机构",
    "JJ": "欺诈骗保举报",
    "CH": "长期护理保险",
    "FW": "经办服务",
    "QT": "其他",
}

TICKET_TYPES = ("consult", "help", "complaint", "report", "suggestion", "praise")


def label_translation(model_labels, test_labels) -> dict[str, str]:
    """How to write a model's category codes in a test file's own words.

    A file labelled 异地就医 rather than YD is scored against the model that
    says YD: each code whose Chinese name (``CATEGORIES``) is one of the test
    labels, or is the only test label containing it or contained in it
    (``参保缴费(CB)``, ``医保电子凭证``), is written that way.  Labels the model
    already uses are left alone; an empty mapping means nothing needs it.
    """
    model, test = set(model_labels), set(test_labels)
    unknown = test - model
    if not unknown:
        return {}
    translation = {}
    for code in sorted(model):
        name = CATEGORIES.get(code)
        if name is None:
            continue
        if name in unknown:
            translation[code] = name
            continue
        matches = [t for t in unknown if name in t or (len(t) >= 2 and t in name)]
        if len(matches) == 1:
            translation[code] = matches[0]
    return translation


@dataclass(frozen=True)
class Example:
    """One labelled text: a category code and, when known, the ticket type."""

    text: str
    label: str
    type: str | None = None


class CorpusError(ValueError):
    """A training or evaluation file that cannot be used."""


#: encodings tried in turn: UTF-8 (with or without a BOM) as the contract says, then UTF-16 with its BOM and
#: GB18030 (a superset of GBK), what Excel on a Chinese Windows saves as "CSV"
ENCODINGS = ("utf-8-sig", "utf-16", "gb18030")


def decode_text(raw: bytes) -> tuple[str, str]:
    """``raw`` as text, and the encoding it was read in; CorpusError when none of ``ENCODINGS`` fits."""
    for encoding in ENCODINGS:
        if encoding == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue  # without its BOM UTF-16 would decode almost anything
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise CorpusError("无法识别文件编码，请另存为 UTF-8 / cannot decode the file: save it as UTF-8")


def read_csv(path: str | Path) -> list[Example]:
    """Read ``text,label[,type]`` rows (header names in any case); rows without text or label are skipped."""
    return read_csv_with_encoding(path)[0]


def read_csv_with_encoding(path: str | Path) -> tuple[list[Example], str]:
    """``read_csv``, and the encoding the file was in (see ``ENCODINGS``)."""
    path = Path(path)
    if path.is_dir():
        raise CorpusError(f"{path}: 是目录，不是 CSV 文件 / is a directory, not a CSV file")
    try:
        text, encoding = decode_text(path.read_bytes())
    except CorpusError as exc:
        raise CorpusError(f"{path}: {exc}") from None
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))  # a long letter is one field
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        if "text" not in fields or "label" not in fields:
            raise CorpusError(f"{path}: 需要表头 text,label / expected a header with text,label, got {fields}")
        reader.fieldnames = fields
        examples = []
        for row in reader:
            text_ = (row.get("text") or "").strip()
            label = (row.get("label") or "").strip()
            if not text_ or not label:
                continue
            kind = (row.get("type") or "").strip() or None
            examples.append(Example(text_, label, kind if kind in TICKET_TYPES else None))
    except csv.Error as exc:
        raise CorpusError(f"{path}: CSV 格式有误 / malformed CSV: {exc}") from None
    return examples, encoding


def load_shipped_corpus(corpus_dir: str | Path | None = None) -> list[Example]:
    """Every example of ``classifiers/data/corpus/*.csv``, files in name order."""
    directory = Path(corpus_dir) if corpus_dir else CORPUS_DIR
    examples: list[Example] = []
    for path in sorted(directory.glob("*.csv")):
        examples.extend(read_csv(path))
    return examples


def dataset_sha256(examples: list[Example]) -> str:
    """A fingerprint of the training data, independent of file layout."""
    digest = hashlib.sha256()
    for ex in examples:
        digest.update(json.dumps([ex.text, ex.label, ex.type], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
