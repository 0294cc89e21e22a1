"""风险提示: phrases in a caller's words that a hotline must not leave to the normal queue.

A caller who speaks of ending their life, a group about to gather at a government gate, a threat to go to
the press, a patient waiting in intensive care for money the fund owes: the centre's rule is to calm the
caller, tell the duty supervisor (值班长) at once and handle the matter as urgent. The classifier cannot be
trusted with that (it learns topics, not danger), so these are found by phrase, as centres' own
checklists do, from ``data/risk_phrases.txt``. A phrase match is a prompt for a person, not a verdict:
"我不会自杀" is found too, and the agent judges.

No Flask here: the app adds a centre's own phrases (系统管理 → 风险提示词) and stores the kinds found on the ticket
(``ticketing/services/risk_alerts.py``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_PATH = Path(__file__).resolve().parent / "data" / "risk_phrases.txt"


@dataclass(frozen=True)
class RiskKind:
    code: str
    title: str
    advice: str


#: the kinds, most serious first (a ticket shows them in this order)
KINDS: tuple[RiskKind, ...] = (
    RiskKind("self_harm", "人身安全", "来电人流露轻生或伤害他人的言语：稳定情绪，不要先挂断，立即报告值班长，按紧急件办理。"),
    RiskKind("critical_care", "危重病人", "涉及正在抢救或急需治疗的病人：按紧急件办理，当天联系承办单位。"),
    RiskKind("mass", "群体性", "可能有聚集、集体上访或联名：报告值班长，登记人数、时间和地点。"),
    RiskKind("media", "舆情", "来电人表示要找媒体或在网上曝光：按答复口径答复，报告值班长。"),
)
KIND_BY_CODE = {kind.code: kind for kind in KINDS}


@dataclass(frozen=True)
class RiskHit:
    kind: RiskKind
    phrase: str  # the phrase found, as the list writes it


@dataclass(frozen=True)
class PhraseList:
    phrases: dict[str, tuple[str, ...]]  # kind code → phrases, folded
    exceptions: tuple[str, ...]


_IGNORED = re.compile(r"[\s\W_]+", re.UNICODE)


def fold(text: str) -> str:
    """Full-width forms folded (NFKC), Latin letters lower-cased, spaces and punctuation dropped."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text or "").lower())


class PhraseError(ValueError):
    """A line of a phrase list that cannot be read: ``kind`` is the unknown [kind], or None for a phrase that
    comes before any [kind]."""

    def __init__(self, line: int, kind: str | None):
        self.line, self.kind = line, kind
        what = f"unknown kind [{kind}]" if kind is not None else "a phrase before any [kind]"
        super().__init__(f"risk phrases line {line}: {what}")


def parse_phrases(lines) -> PhraseList:
    """A phrase list's lines → phrases by kind. A [heading] is a kind's code or its title ([self_harm] or
    [人身安全]); an unknown one is an error (`PhraseError`), not silently ignored."""
    phrases: dict[str, list[str]] = {kind.code: [] for kind in KINDS}
    by_heading = {kind.code: kind.code for kind in KINDS} | {kind.title: kind.code for kind in KINDS}
    exceptions: list[str] = []
    current = None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("[", "【")) and line.endswith(("]", "】")):
            heading = line[1:-1].strip()
            current = by_heading.get(heading)
            if current is None:
                raise PhraseError(number, heading)
        elif line.startswith(("!", "！")):
            exceptions.append(fold(line[1:]))
        elif current is None:
            raise PhraseError(number, None)
        elif folded := fold(line):
            phrases[current].append(folded)
    return PhraseList({code: tuple(dict.fromkeys(words)) for code, words in phrases.items()},
                      tuple(e for e in exceptions if e))


def merge(base: PhraseList, extra: PhraseList) -> PhraseList:
    """The shipped phrases with a centre's own added (each phrase once)."""
    return PhraseList({code: tuple(dict.fromkeys(base.phrases.get(code, ()) + extra.phrases.get(code, ())))
                       for code in KIND_BY_CODE},
                      tuple(dict.fromkeys(base.exceptions + extra.exceptions)))


@lru_cache(maxsize=1)
def default_phrases() -> PhraseList:
    with open(DATA_PATH, encoding="utf-8") as fh:
        return parse_phrases(fh)


def detect(text: str, phrases: PhraseList | None = None) -> list[RiskHit]:
    """The risk kinds the text speaks of, most serious first, each with the first phrase found."""
    phrases = phrases or default_phrases()
    folded = fold(text)
    for exception in phrases.exceptions:  # 跳楼价 is a price, not a threat
        folded = folded.replace(exception, "|")
    hits = []
    for kind in KINDS:
        found = next((p for p in phrases.phrases.get(kind.code, ()) if p in folded), None)
        if found is not None:
            hits.append(RiskHit(kind, found))
    return hits


def codes(hits: list[RiskHit]) -> list[str]:
    return [hit.kind.code for hit in hits]
