"""Import tickets from a spreadsheet export (.xlsx or .csv) of a mailbox or platform.

Pure service: no request, no commit. The caller gives a column mapping
{source header: ticket field}; each row is validated with tickets.validate_input
and registered with tickets.register_ticket under the channel and the row's
external_id, so re-importing the same file creates nothing. Rows already present
are skipped, rows with errors are collected with their row number and reason.

For large files the work is batched: the channel's existing external_ids are
read in one query, texts are classified a batch at a time with
`classifier.predict_many`, and the caller's `on_batch` (e.g. commit and clear
the session) runs after every `batch_size` rows.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import ImportMapping, Ticket, TicketType, Urgency, User
from ticketing.services import clock, spreadsheet, tickets
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import DomainError, ValidationFailed
from ticketing.services.validation import clean_text, year_error

log = logging.getLogger(__name__)

# ticket fields a column may fill, with their Chinese labels
FIELDS: dict[str, str] = {
    "external_id": "外部编号（必填，用于去重）",
    "title": "标题",
    "content": "诉求内容",
    "received_at": "受理时间",
    "type": "诉求类型",
    "urgency": "紧急程度",
    "caller_name": "来信人姓名",
    "caller_phone": "联系电话",
    "caller_id_number": "身份证号",
    "region": "县区",
    "transfer_reference": "12345 转办编号",
}
# header (lower case, no spaces) → field, for pre-filling the mapping
HEADER_GUESSES: dict[str, str] = {
    "mail_id": "external_id", "id": "external_id", "external_id": "external_id", "编号": "external_id",
    "信件编号": "external_id", "留言编号": "external_id", "工单编号": "external_id", "来信编号": "external_id",
    "title": "title", "标题": "title", "主题": "title", "信件标题": "title", "留言标题": "title",
    "query": "content", "content": "content", "内容": "content", "来信内容": "content", "留言内容": "content",
    "诉求内容": "content", "信件内容": "content",
    "query_date": "received_at", "date": "received_at", "received_at": "received_at", "日期": "received_at",
    "来信时间": "received_at", "留言时间": "received_at", "受理时间": "received_at", "来信日期": "received_at",
    "type": "type", "类型": "type", "诉求类型": "type", "信件类型": "type",
    "urgency": "urgency", "紧急程度": "urgency",
    "name": "caller_name", "caller_name": "caller_name", "姓名": "caller_name", "来信人": "caller_name",
    "phone": "caller_phone", "caller_phone": "caller_phone", "电话": "caller_phone", "联系电话": "caller_phone",
    "手机": "caller_phone", "手机号": "caller_phone",
    "id_number": "caller_id_number", "身份证号": "caller_id_number", "身份证号码": "caller_id_number",
    "region": "region", "地区": "region", "县区": "region", "区县": "region",
    "transfer_reference": "transfer_reference", "12345编号": "transfer_reference", "转办编号": "transfer_reference",
}
TYPE_BY_TITLE = {t.title: t.value for t in TicketType} | {t.value: t.value for t in TicketType}
URGENCY_BY_TITLE = {u.title: u.value for u in Urgency} | {u.value: u.value for u in Urgency} | {"急": "urgent"}
DEFAULT_BATCH = 1000


@dataclass
class RejectedRow:
    row: int  # the spreadsheet's row number (the header is row 1)
    external_id: str
    reason: str


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0  # already present (or repeated in the file)
    rejected: list[RejectedRow] = field(default_factory=list)
    dispatched: int = 0
    rows: int = 0

    def summary(self) -> str:
        return f"新建 {self.created} 件，已存在跳过 {self.skipped} 件，拒收 {len(self.rejected)} 行"


@dataclass
class Sheet:
    headers: list[str]
    rows: Iterator[tuple[int, dict[str, object]]]  # (row number, {header: value})


# ---- reading ----

def read_sheet(source: str | Path | bytes, filename: str | None = None) -> Sheet:
    """Open an .xlsx (openpyxl, read-only) or a .csv (UTF-8 with or without BOM, else GB18030)."""
    name = (filename or (str(source) if not isinstance(source, bytes) else "")).lower()
    if name.endswith(".xlsx") or name.endswith(".xlsm"):
        return _read_xlsx(source)
    if name.endswith(".csv") or name.endswith(".txt") or isinstance(source, bytes):
        data = source if isinstance(source, bytes) else Path(source).read_bytes()
        return _read_csv(data)
    raise ValidationFailed("不支持的文件格式", fields={"file": "请上传 .xlsx 或 .csv 文件"})


def decode_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
            # a UTF-8 file cut inside its last character was refused as of an unknown encoding (a resilience review)
            raise ValidationFailed("文件不完整：在最后一个字的中间被截断", fields={
                "file": "文件末尾被截断，请重新导出或上传完整的文件"}) from None
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValidationFailed("无法识别文件编码", fields={"file": "CSV 文件应为 UTF-8 或 GB18030（GBK）编码"}) from None


def _read_csv(data: bytes) -> Sheet:
    text = decode_text(data)
    cut_short = bool(text) and not text.endswith(("\n", "\r"))  # a file cut off ends inside its last row
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        headers = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationFailed("文件是空的", fields={"file": "文件没有表头"}) from None
    _check_headers(headers)

    def rows():
        numbered = enumerate(reader, start=2)
        following = next(numbered, None)
        while following is not None:
            (number, values), following = following, next(numbered, None)
            if not any(v.strip() for v in values):
                continue
            row = dict(zip(headers, values))
            # the last row of a file cut off inside it (no line end after it) was imported with what it had, and the
            # whole letter was refused later as 内容不同 (a resilience review); a row with more values than the
            # header has lost its columns' places (a comma not quoted). Other short rows are rows whose writer left
            # off empty trailing values, read as empty as before (a diff review)
            if (following is None and cut_short and len(values) < len(headers)) or \
                    any(v.strip() for v in values[len(headers):]):
                row[UNEVEN_ROW] = (len(values), len(headers))
            yield number, row

    return Sheet(headers, rows())


def _read_xlsx(source) -> Sheet:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source, read_only=True,
                                 data_only=True)
    except Exception:  # openpyxl raises several kinds for a file that is not a workbook
        raise ValidationFailed("无法读取 Excel 文件", fields={"file": "文件不是有效的 .xlsx"}) from None
    sheet = workbook.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    try:
        headers = ["" if h is None else str(h).strip() for h in next(iterator)]
    except StopIteration:
        workbook.close()
        raise ValidationFailed("文件是空的", fields={"file": "文件没有表头"}) from None
    _check_headers(headers)

    def rows():
        number = 1
        try:
            for number, values in enumerate(iterator, start=2):
                if all(v is None or str(v).strip() == "" for v in values):
                    continue
                yield number, dict(zip(headers, values))
        except Exception:  # read-only mode reads the sheet as it goes: a damaged part shows only here (a 500)
            raise ValidationFailed("Excel 文件已损坏", fields={
                "file": f"第 {number + 1} 行附近无法读取，请在 Excel 中打开后另存为 .xlsx 再上传"}) from None
        finally:
            workbook.close()

    return Sheet(headers, rows())


def _check_headers(headers: list[str]) -> None:
    if not any(headers):
        raise ValidationFailed("第一行应为表头", fields={"file": "第一行应为列名"})
    named = [h for h in headers if h]
    repeated = sorted({h for h in named if named.count(h) > 1})
    if repeated:  # a row is read by column name: the second column of a name would hide the first one's values
        message = "列名重复：" + "、".join(repeated) + "，请改为不同的列名后再上传"
        raise ValidationFailed(message, fields={"file": message})


# ---- mapping ----

def guess_mapping(headers: Iterable[str]) -> dict[str, str]:
    """Pre-fill {header: field} from the header names (mail_id→external_id, query→content, …)."""
    mapping, taken = {}, set()
    for header in headers:
        key = re.sub(r"\s+", "", str(header)).lower()
        target = HEADER_GUESSES.get(key)
        if target and target not in taken:
            mapping[header] = target
            taken.add(target)
    return mapping


def parse_mapping_option(text: str) -> dict[str, str]:
    """`SOURCE=FIELD,SOURCE=FIELD` (the CLI's --map) → {source: field}."""
    mapping = {}
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        source, sep, target = part.partition("=")
        if not sep:
            raise ValidationFailed("列映射格式不正确", fields={"map": f"“{part}”应为 源列名=字段"})
        mapping[source.strip()] = target.strip()
    return mapping


def check_mapping(mapping: dict[str, str], headers: Iterable[str]) -> dict[str, str]:
    """Keep the mapped columns; raise with Chinese messages if the mapping cannot work."""
    headers = list(headers)
    clean = {source: target for source, target in mapping.items() if target}
    errors = {}
    for source, target in clean.items():
        if target not in FIELDS:
            errors[source] = f"未知字段 {target}，可选：{', '.join(FIELDS)}"
        elif source not in headers:
            errors[source] = f"文件中没有列“{source}”"
    targets = list(clean.values())
    for target in set(targets):
        if targets.count(target) > 1:
            errors[target] = f"字段“{FIELDS.get(target, target)}”被映射了多次"
    for required in ("external_id", "content"):
        if required not in targets:
            errors[required] = f"请指定哪一列是“{FIELDS[required]}”"
    if errors:
        raise ValidationFailed("列映射有误", fields=errors)
    return clean


def confirm_mapping(session: Session, channel: str, chosen: dict[str, str], headers: Iterable[str],
                    default_type: str, *, actor: User | None, now: datetime) -> dict[str, str]:
    """What an import from the page will use: the mapping checked, the default type known; saved for the channel."""
    if default_type not in TicketType.__members__.values():
        raise ValidationFailed("诉求类型无效", fields={"default_type": "诉求类型无效"})
    mapping = check_mapping(chosen, headers)
    save_mapping(session, channel, mapping, actor=actor, now=now)
    return mapping


def saved_mapping(session: Session, channel: str) -> dict[str, str] | None:
    record = session.scalar(sa.select(ImportMapping).where(ImportMapping.channel == channel))
    return dict(record.mapping) if record else None


def save_mapping(session: Session, channel: str, mapping: dict[str, str], *, actor: User | None,
                 now: datetime) -> ImportMapping:
    record = session.scalar(sa.select(ImportMapping).where(ImportMapping.channel == channel))
    if record is None:
        record = ImportMapping(channel=channel)
        session.add(record)
    record.mapping = dict(mapping)
    record.updated_at = now
    record.updated_by_id = actor.id if actor else None
    session.flush()
    return record


# ---- values ----

DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y%m%d", "%Y%m%d%H%M%S",
                "%Y年%m月%d日 %H:%M", "%Y年%m月%d日")


def parse_received_at(value, now: datetime) -> datetime:
    """"2019-01-05", "2019/1/5 10:20", an Excel date cell, ISO 8601; empty → now. Naive means Beijing time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return now
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    else:
        text = str(value).strip().replace("/", "-").replace("T", " ")
        text = re.sub(r"\.\d+$", "", text)
        moment = None
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            for fmt in DATE_FORMATS:
                try:
                    moment = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
        if moment is None:
            raise ValidationFailed("日期格式不正确", fields={"received_at": f"无法识别的日期“{value}”"})
    if year_error(moment):
        raise ValidationFailed("日期超出范围", fields={"received_at": f"“{value}”{year_error(moment)}"})
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # 20171224001 read from Excel as a number
        value = int(value)
    return clean_text(str(value)).strip()  # a NUL in one cell was a 500 that lost the whole import on PostgreSQL


#: the key under which a CSV row with another number of values than the header says so (values, header)
UNEVEN_ROW = "\x00uneven"


def row_input(values: dict[str, object], mapping: dict[str, str], *, channel: str, now: datetime,
              default_type: str | None) -> tickets.TicketInput:
    """One row → TicketInput (raises ValidationFailed for values that cannot be read)."""
    if UNEVEN_ROW in values:
        found, expected = values[UNEVEN_ROW]
        raise ValidationFailed(f"本行有 {found} 列，表头有 {expected} 列：文件可能不完整，或内容中的逗号未加引号，"
                               "未导入，请核对")
    mapped = {target: values.get(source) for source, target in mapping.items()}
    fields = {name: _text(mapped.get(name)) for name in FIELDS if name != "received_at"}
    type_text = fields["type"]
    ticket_type = TYPE_BY_TITLE.get(type_text, type_text) if type_text else default_type
    urgency = URGENCY_BY_TITLE.get(fields["urgency"], fields["urgency"]) if fields["urgency"] else Urgency.NORMAL.value
    return tickets.TicketInput(
        channel=channel, type=ticket_type or "", urgency=urgency, title=fields["title"][:200],
        content=fields["content"], external_id=fields["external_id"] or None,
        caller_name=fields["caller_name"] or None, caller_phone=fields["caller_phone"] or None,
        caller_id_number=fields["caller_id_number"] or None, region=fields["region"] or None,
        received_at=parse_received_at(mapped.get("received_at"), now),
        transfer_reference=fields["transfer_reference"] or None,
    )


def _describe(errors: dict[str, str]) -> str:
    return "；".join(f"{FIELDS.get(name, name).split('（')[0]}：{message}" for name, message in errors.items())


# ---- classification in batches ----

def classification_text(data: tickets.TicketInput) -> str:
    """The text register_ticket gives the classifier (its title falls back to the content's start)."""
    content = data.content.strip()
    title = (data.title or "").strip() or content[:30]
    return f"{title}\n{content}"


class _Precomputed:
    """Serves register_ticket the predictions made for the whole batch by predict_many."""

    def __init__(self, classifier, predictions: dict[str, object]):
        self._classifier = classifier
        self._predictions = predictions
        self.threshold = classifier.threshold

    def predict(self, text: str):
        prediction = self._predictions.get(text)
        return prediction if prediction is not None else self._classifier.predict(text)


# ---- the import ----

def import_rows(
    session: Session,
    rows: Iterable[tuple[int, dict[str, object]]],
    mapping: dict[str, str],
    *,
    channel: str,
    actor: User | None,
    now: datetime,
    classifier=None,
    threshold: float | None = None,
    default_type: str | None = TicketType.CONSULT.value,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[ImportResult], None] | None = None,
    via: str | None = None,
) -> ImportResult:
    """Register every valid new row; count the present ones; collect the rejected ones with reasons.

    `default_type` applies when no column gives the type; with a classifier, its
    type prediction is used first. `on_batch` runs after each batch (the caller
    commits there); the service itself only flushes.
    """
    result = ImportResult()
    present = set(session.scalars(sa.select(Ticket.external_id).where(
        Ticket.channel == channel, Ticket.external_id.is_not(None))))
    in_file: dict[str, tuple[int, str]] = {}  # external id → the row that brought it, and its text
    batch: list[tuple[int, tickets.TicketInput]] = []

    begun = clock.now_utc()

    def flush_batch():
        if not batch:
            return
        # each batch is stamped when it is registered, not when the import began: a department's system syncing
        # by changed_since between two batches of a long import never saw the later ones (a diff review)
        at = now + max(timedelta(0), clock.now_utc() - begun)
        _register_batch(session, batch, result, actor=actor, now=at, classifier=classifier, threshold=threshold,
                        default_type=default_type, via=via)
        batch.clear()
        if on_batch is not None:
            on_batch(result)

    for number, values in rows:
        result.rows += 1
        external_id = _text(values.get(_source_of(mapping, "external_id")))
        try:
            data = row_input(values, mapping, channel=channel, now=now,
                             default_type=None if classifier is not None else default_type)
        except DomainError as error:
            result.rejected.append(RejectedRow(number, external_id, _describe(error.fields) or error.message))
            continue
        if not data.external_id:
            result.rejected.append(RejectedRow(number, "", "缺少外部编号"))
            continue
        # the same id is the same letter delivered again only when it says the same: a source site that gave two
        # letters one id lost the second, counted as 已存在 (an import review: 4 of 892 real letters)
        if data.external_id in in_file:
            first, text = in_file[data.external_id]
            if tickets.same_text(text, data.content):
                result.skipped += 1
            else:
                result.rejected.append(RejectedRow(number, external_id, f"外部编号与第 {first} 行相同，但内容不同，"
                                                                        "请核对来源系统的编号"))
            continue
        if data.external_id in present:
            existing = tickets.find_by_external_id(session, channel, data.external_id)
            if existing is None or tickets.same_text(existing.content, data.content):
                result.skipped += 1
            else:
                result.rejected.append(RejectedRow(number, external_id, f"外部编号已有工单 {existing.number}，"
                                                                        "但内容不同，未导入，请核对"))
            continue
        if not data.type and (classifier is None and not default_type):
            result.rejected.append(RejectedRow(number, external_id, "诉求类型：未填写"))
            continue
        errors = tickets.validate_input(data if data.type else _with_type(data, TicketType.CONSULT.value), now)
        if errors:
            result.rejected.append(RejectedRow(number, external_id, _describe(errors)))
            continue
        in_file[data.external_id] = (number, data.content)
        present.add(data.external_id)
        batch.append((number, data))
        if len(batch) >= batch_size:
            flush_batch()
    flush_batch()
    return result


#: what an import fills; their statistics decide the plans of 月度考核 and the lists
ANALYZED_AFTER_IMPORT = ("ticket", "ticket_event", "category_label")


def refresh_statistics(session: Session, result: ImportResult) -> None:
    """After an import that created tickets, on PostgreSQL: ANALYZE the tables it filled, committed. Without
    statistics the planner misjudged the live 月度考核 (6.9 s instead of 0.8 s on a year's tickets; 320 s for a month
    after 2,500 tickets arrived, with autovacuum switched off, in a load review). A refusal (the database user
    does not own the tables) is logged, not the import's failure: autovacuum does it later."""
    if not result.created or session.get_bind().dialect.name != "postgresql":
        return
    try:
        session.execute(sa.text("ANALYZE " + ", ".join(ANALYZED_AFTER_IMPORT)))
        session.commit()
    except sa.exc.DBAPIError as error:
        session.rollback()
        log.warning("ANALYZE after the import was refused: %s", error.orig)


def _source_of(mapping: dict[str, str], target: str) -> str | None:
    return next((source for source, name in mapping.items() if name == target), None)


def _with_type(data: tickets.TicketInput, ticket_type: str) -> tickets.TicketInput:
    from dataclasses import replace

    return replace(data, type=ticket_type)


def _register_batch(session, batch, result: ImportResult, *, actor, now, classifier, threshold,
                    default_type, via) -> None:
    serving = None
    if classifier is not None:
        texts = [classification_text(data) for _, data in batch]
        predict_many = getattr(classifier, "predict_many", None)
        predictions = predict_many(texts) if predict_many else [classifier.predict(t) for t in texts]
        serving = _Precomputed(classifier, dict(zip(texts, predictions)))
        for (_, data), prediction in zip(batch, predictions):
            if not data.type:
                data.type = prediction.type or default_type or TicketType.CONSULT.value
    for number, data in batch:
        try:
            with session.begin_nested():
                registered = tickets.register_ticket(session, data, actor=actor, now=now, classifier=serving,
                                                     threshold=threshold, via=via)
        except DomainError as error:
            result.rejected.append(RejectedRow(number, data.external_id or "",
                                               _describe(error.fields) or error.message))
            continue
        if registered.created:
            result.created += 1
            if registered.ticket.department_id is not None:
                result.dispatched += 1
        else:
            result.skipped += 1


def rejected_csv(rejected: Iterable[RejectedRow]) -> str:
    """The rejected rows as CSV (UTF-8 with BOM so that Excel opens it in Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["行号", "外部编号", "原因"])
    for row in rejected:  # the external id is the source file's: text, never a formula
        writer.writerow([row.row, spreadsheet.csv_text(row.external_id), spreadsheet.csv_text(row.reason)])
    return out.getvalue()


def read_rejected_csv(path: Path, limit: int | None = None) -> list[RejectedRow]:
    """Read back what ``rejected_csv`` wrote (the first ``limit`` rows)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        rows = []
        for record in reader:
            if limit is not None and len(rows) >= limit:
                break
            rows.append(RejectedRow(int(record[0]), spreadsheet.from_csv_text(record[1]),
                                    spreadsheet.from_csv_text(record[2])))
    return rows
