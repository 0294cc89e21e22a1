"""Text normalisation and tokenisation for 12393 tickets.

``normalize(text)`` folds full-width forms to half-width (NFKC), lower-cases
Latin letters, replaces personal or incidental numbers with placeholders and
turns punctuation into spaces (``?`` and ``!`` are kept: they carry the
difference between a question and a complaint).  ``tokenize(text)`` cuts the
normalised text with one jieba tokenizer per process, built from jieba's own
dictionary plus ``data/userdict.txt`` (medical-insurance terms), and drops the
words in ``data/stopwords.txt``.

Placeholders are upper-case ASCII words; normalised text is otherwise lower
case, so a caller's own text can never produce one:

========  ============================================================
PHONE     mobile and landline numbers
IDNO      resident ID numbers (18 or 15 characters)
DATE      dates and clock times (2023年5月4日, 2023-05-04, 5月4日, 14:30)
MONEY     amounts of money (3000元, 1.5万元, ¥200)
NUM       any other run of digits (card numbers, counts); 12393 and
          12345, the hotline numbers, are kept as they are
========  ============================================================

Both ``tokenize`` and the helpers used inside the model pipeline are
module-level functions: pickle stores functions by import path.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from operator import add
from pathlib import Path

import jieba

DATA_DIR = Path(__file__).resolve().parent / "data"
USERDICT_PATH = DATA_DIR / "userdict.txt"
STOPWORDS_PATH = DATA_DIR / "stopwords.txt"

PLACEHOLDERS = ("PHONE", "IDNO", "DATE", "MONEY", "NUM")
KEPT_NUMBERS = frozenset({"12393", "12345"})

# jieba announces every dictionary load on stderr at DEBUG level; we keep
# its warnings and errors only.
jieba.setLogLevel(logging.WARNING)

# One tokenizer per process.  Building it is cheap; ``_ensure_ready`` loads
# the dictionary and the user dictionary exactly once (under a lock, as
# gunicorn threads may race on the first request).
_TOKENIZER = jieba.Tokenizer()
_READY = False
_LOCK = threading.Lock()


def _ensure_ready() -> jieba.Tokenizer:
    global _READY
    if not _READY:
        with _LOCK:
            if not _READY:
                _TOKENIZER.initialize()
                with open(USERDICT_PATH, "rb") as fh:  # jieba leaves a path open
                    _TOKENIZER.load_userdict(fh)
                _READY = True
    return _TOKENIZER


def warm_up() -> None:
    """Load jieba's dictionaries now rather than on the first request."""
    _ensure_ready()


def _read_lines(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip() and not line.startswith("#")]


STOPWORDS = frozenset(_read_lines(STOPWORDS_PATH))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def userdict_sha256() -> str:
    return file_sha256(USERDICT_PATH)


def stopwords_sha256() -> str:
    return file_sha256(STOPWORDS_PATH)


# --- normalisation -----------------------------------------------------------

_D = r"(?<![0-9a-z])"  # left boundary: not glued to a longer number/word
_E = r"(?![0-9])"
_NUMBER_RE = re.compile(
    # the lookahead lets the engine skip, cheaply, every position that cannot
    # start a number (most of a Chinese text)
    r"(?=[0-9¥$(+])(?:" + "|".join(
        [
            # resident ID number: 17 digits + digit/x, or the old 15 digits
            rf"(?P<IDNO>{_D}\d{{17}}[\dx]{_E}|{_D}\d{{15}}{_E})",
            # mobile (optionally +86, optionally split 3-4-4) and landline
            rf"(?P<PHONE>{_D}(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{{4}}){{2}}{_E}"
            rf"|{_D}(?:\(0\d{{2,3}}\)|0\d{{2,3}})[- ]?\d{{7,8}}{_E})",
            # dates and times
            rf"(?P<DATE>{_D}\d{{4}}\s*[年./-]\s*\d{{1,2}}\s*[月./-]\s*\d{{1,2}}\s*[日号]?"
            rf"|{_D}\d{{4}}\s*年\s*\d{{1,2}}\s*月(?:份)?"
            rf"|{_D}\d{{1,2}}\s*月\s*\d{{1,2}}\s*[日号]"
            rf"|{_D}(?:19|20)\d{{2}}\s*年"
            rf"|{_D}\d{{1,2}}:\d{{2}}(?::\d{{2}})?{_E})",
            # amounts of money
            rf"(?P<MONEY>[¥$]\s*\d+(?:,\d{{3}})*(?:\.\d+)?"
            rf"|{_D}\d+(?:,\d{{3}})*(?:\.\d+)?\s*(?:多|余)?\s*(?:万元|千元|元|块钱|块|万|rmb))",
            # anything else made of digits
            r"(?P<NUM>\d+(?:\.\d+)?)",
        ]
    ) + ")"
)


def _number_placeholder(match: re.Match) -> str:
    kind = match.lastgroup
    if kind == "NUM" and match.group() in KEPT_NUMBERS:
        return f" {match.group()} "
    return f" {kind} "


def _build_punctuation_table() -> dict[int, str]:
    table = {}
    codes = [*range(0x10000), *range(0x1F000, 0x1FB00)]  # BMP and emoji
    for code in codes:
        ch = chr(code)
        cat = unicodedata.category(ch)
        if cat[0] in "PSZ" or cat == "Cc":
            table[code] = " "
    for kept in "?!":
        table.pop(ord(kept), None)
    return table


#: traditional characters that are also written in simplified text (GB2312 has them) but that a mainland
#: writer uses only in traditional script; 乾 is left alone (乾坤, 乾县 are simplified too)
_TRADITIONAL_ALSO_IN_GB2312 = {"後": "后", "於": "于", "麽": "么"}
#: characters outside GB2312 that the 通用规范汉字表 (2013) keeps as standard mainland characters, mostly in names
#: (毕昇, 祕鲁): they stay as written (a diff review found these changed). 於, in GB2312 too, is folded all the same
#: (above): in the texts a centre receives it is far more often traditional script's 于 (由於, 關於, 終於) than the
#: surname, and a search folds its words as the index does, so 於女士 is still found
_STANDARD_OUTSIDE_GB2312 = frozenset("昇陞祕谿蒐扞劄")


def _build_traditional_table() -> dict[int, str]:
    """Traditional characters folded to simplified, one character for one (醫保轉移 → 医保转移).

    OpenCC's t2s conversion, asked one character at a time, gives the simplified form of each CJK
    character. A character GB2312 can encode is kept as written: it is a simplified character as well
    (著 of 著名, 乾 of 乾坤), and a simplified text must come out unchanged. Characters only, not OpenCC's
    phrase tables, so that folding costs nothing beyond the translate that drops punctuation.
    """
    import opencc

    to_simplified = opencc.OpenCC("t2s.json")
    table = {}
    for code in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)):
        ch = chr(code)
        simplified = to_simplified.convert(ch)
        if simplified == ch or len(simplified) != 1:
            continue
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            if ch not in _STANDARD_OUTSIDE_GB2312:
                table[code] = simplified
    table.update({ord(t): s for t, s in _TRADITIONAL_ALSO_IN_GB2312.items()})
    # forms NFKC makes into a traditional character (⾨, a Kangxi radical in text copied from a PDF, is 門; the
    # compatibility ideograph U+F91D is 欄): folded at once, since this table is applied before NFKC
    for code in (*range(0x2E80, 0x2FE0), *range(0xF900, 0xFB00), *range(0x2F800, 0x2FA20)):
        composed = unicodedata.normalize("NFKC", chr(code))
        if len(composed) == 1 and composed != chr(code):
            table[code] = table.get(ord(composed), composed)
    return table


_PUNCT_TABLE = _build_punctuation_table()
_SPACES_RE = re.compile(r"\s+")
#: characters that show as nothing (a BOM, zero-width spaces and joiners, a soft hyphen) but split a word for jieba
#: (异地\u200b就医): text pasted from web pages and chat apps carries them
_INVISIBLE = dict.fromkeys([0xFEFF, 0x200B, 0x200C, 0x200D, 0x2060, 0x00AD], None)
#: the first translate of every text drops the invisible characters and makes traditional characters simplified
#: (before the numbers are read: 3萬元 is an amount); one translate costs the same whatever the table holds
_INVISIBLE_AND_TRADITIONAL = _INVISIBLE | _build_traditional_table()


def changed_by_folding(text: str) -> bool:
    """Whether ``text`` has a traditional character (or an invisible one) that normalisation changes."""
    return bool(text) and str(text).translate(_INVISIBLE_AND_TRADITIONAL) != text


def normalize(text: str) -> str:
    """Fold widths, case and script, hide numbers behind placeholders, drop punctuation.

    >>> normalize("电话：１３８１２３４５６７８，报销了３０００元！")
    '电话 PHONE 报销了 MONEY !'
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text).translate(_INVISIBLE_AND_TRADITIONAL)).lower()
    text = _NUMBER_RE.sub(_number_placeholder, text)
    text = text.translate(_PUNCT_TABLE)
    return _SPACES_RE.sub(" ", text).strip()


# --- tokenisation ------------------------------------------------------------


def tokens_from_normalized(text: str) -> list[str]:
    """Cut text that ``normalize`` has already produced."""
    tokenizer = _ensure_ready()
    stop = STOPWORDS
    return [w for w in tokenizer.cut(text, HMM=False) if w != " " and w not in stop]


def tokenize(text: str) -> list[str]:
    """Normalise then cut ``text`` into words, without stopwords.

    >>> tokenize("异地就医备案怎么办理？")
    ['异地就医备案', '怎么', '办理', '?']
    """
    return tokens_from_normalized(normalize(text))


def char_ngrams(text: str, min_n: int = 1, max_n: int = 3) -> list[str]:
    """Character n-grams of normalised text, one feature per placeholder.

    Spaces separate chunks; n-grams do not cross them, so a placeholder such
    as ``PHONE`` yields the single feature ``PHONE`` and never ``PHO``.
    """
    grams: list[str] = []
    for chunk in text.split(" "):
        if not chunk:
            continue
        if chunk.isascii() and chunk.isalnum():
            grams.append(chunk)  # a latin word, a number or a placeholder
            continue
        # n-grams built from (n-1)-grams with map(add): no Python-level loop
        current = list(chunk)
        if min_n <= 1:
            grams.extend(current)
        for n in range(2, max_n + 1):
            current = list(map(add, current, chunk[n - 1 :]))
            if not current:
                break
            if n >= min_n:
                grams.extend(current)
    return grams


# --- search terms --------------------------------------------------------------

_SEARCH_DROP = frozenset({" ", "?", "!"})


def search_terms(text: str, *, for_query: bool = False, whole_words: bool = False) -> list[str]:
    """Words for full-text search, cut with the same dictionary as the model.

    A document is cut in jieba's search mode, which yields whole words and the
    dictionary words inside them (异地就医备案 → 异地, 就医, 异地就医备案). A query
    word is reduced to the smallest of those pieces (异地就医 → 异地, 就医), so it
    finds the document however jieba cut the longer word there. Numbers are
    kept; widths and case are folded; stopwords are dropped.

    >>> search_terms("异地就医", for_query=True)
    ['异地', '就医']

    ``whole_words`` (a query matched as substrings, not against this index):
    a word whose pieces leave characters out is kept whole too, or 医保码
    would look for 医保 alone and find every text about medical insurance.

    >>> search_terms("医保码", for_query=True, whole_words=True)
    ['医保', '医保码']
    """
    if not text:
        return []
    text = unicodedata.normalize("NFKC", str(text).translate(_INVISIBLE_AND_TRADITIONAL)).lower().translate(_PUNCT_TABLE)
    tokenizer = _ensure_ready()
    terms: dict[str, None] = {}
    if not for_query:
        for word in tokenizer.cut_for_search(text, HMM=False):
            if word.strip() and word not in _SEARCH_DROP and word not in STOPWORDS:
                terms.setdefault(word.strip(), None)
        return list(terms)
    for word in tokenizer.cut(text, HMM=False):
        word = word.strip()
        if not word or word in _SEARCH_DROP or word in STOPWORDS:
            continue
        pieces = [p for p in tokenizer.cut_for_search(word, HMM=False) if p.strip()]
        smallest = [piece for piece in pieces if not any(other != piece and other in piece for other in pieces)]
        for piece in smallest:
            terms.setdefault(piece, None)
        if whole_words and "".join(smallest) != word:
            terms.setdefault(word, None)
    return list(terms)
