"""Marshmallow schemas of /api/v1: they validate the requests and APIFlask builds the OpenAPI document from them."""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from apiflask import Schema
from apiflask.fields import Boolean, Dict, File, Float, Integer, List, Nested, Raw, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import EXCLUDE, RAISE, ValidationError, fields

from ticketing.models import Channel, ContactMethod, ContactPurpose, TicketStatus, TicketType, Urgency
from ticketing.services.actions import API_ACTIONS
from ticketing.services.invalid_calls import KINDS as INVALID_CALL_KINDS
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.validation import clean_text, year_error

MESSAGES = {
    "required": "必填",
    "null": "不能为空",
    "invalid": "格式不正确",
}


def _messages(**extra) -> dict:
    return {**MESSAGES, **extra}


class CleanString(String):
    """Text as sent, without the characters no database or workbook takes (a NUL, a lone surrogate: 500s on
    saving); JSON bodies reach the schemas without passing the request's own cleaning."""

    def _deserialize(self, value, attr, data, **kwargs):
        return clean_text(super()._deserialize(value, attr, data, **kwargs))


def Str(*, required=False, max_len: int | None = None, choices=None, validate=None, **kwargs) -> String:
    validators = [validate] if validate else []
    if max_len:
        validators.append(Length(max=max_len, error=f"最多 {max_len} 个字符"))
    if choices is not None:
        choices = sorted(choices)
        validators.append(OneOf(choices, error="取值无效，可选：" + "、".join(choices)))
    return CleanString(required=required, validate=validators, allow_none=not required,
                  error_messages=_messages(invalid="应为字符串"), **kwargs)


class LocalDateTime(fields.Field):
    """An ISO 8601 time; without a zone it is Beijing time. A bare date is that day's start (or end)."""

    default_error_messages = {**MESSAGES, "invalid": "时间格式不正确，应为 2026-03-02T09:00:00+08:00 或 2026-03-02"}

    def __init__(self, *, end_of_day: bool = False, last_second: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.end_of_day, self.last_second = end_of_day, last_second

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        text = str(value).strip().replace("/", "-")
        # "+08:00" in an unencoded query string arrives as " 08:00": put the plus back
        text = re.sub(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:\d\d)$", r"\1+\2", text)
        try:
            if len(text) <= 10:
                day = date.fromisoformat(text)
                if year_error(day):
                    raise ValidationError(year_error(day))
                if self.last_second:  # a deadline given as a day: that day's last second, as the pages count it
                    return datetime.combine(day, time(23, 59, 59), LOCAL_TZ)
                moment = datetime.combine(day, time.min, LOCAL_TZ)
                return moment + timedelta(days=1) if self.end_of_day else moment
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise self.make_error("invalid") from None
        if year_error(moment):
            raise ValidationError(year_error(moment))
        return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


class ApiSchema(Schema):
    error_messages = {"unknown": "未知字段", "type": "请求体应为 JSON 对象"}

    class Meta:
        unknown = RAISE


class TicketIn(ApiSchema):
    channel = Str(max_len=30, choices=Channel.__members__.values(),
                  metadata={"description": "来源渠道编码；渠道令牌可省略（取令牌的渠道）"})
    external_id = Str(required=True, validate=Length(min=1, max=100, error="长度 1–100 个字符"),
                      metadata={"description": "来源系统自己的编号：同一渠道同一编号只生成一件工单"})
    type = Str(required=True, choices=TicketType.__members__.values(), metadata={"description": "诉求类型"})
    urgency = Str(choices=Urgency.__members__.values(), load_default=Urgency.NORMAL.value)
    title = Str(max_len=200)
    content = Str(required=True, max_len=20000)
    caller_name = Str(max_len=50)
    caller_phone = Str(max_len=30)
    caller_id_number = Str(max_len=24)  # spaces and full-width digits folded first (validation.normalize_id_number)
    region = Str(max_len=50, metadata={"description": "县区，用于按地区路由"})
    received_at = LocalDateTime(allow_none=True, metadata={"description": "来源系统的受理时间；不带时区按北京时间"})
    due_at = LocalDateTime(allow_none=True, last_second=True, metadata={
        "description": "来源系统要求的办结时间（如 12345 工单的办理时限）；早于本中心按办理时限算出的答复时限时，按它；"
                       "只写日期为当天 23:59:59"})
    transfer_reference = Str(max_len=100, metadata={"description": "12345 转办编号（channel=transfer_12345 时）"})
    call_reference = Str(max_len=64, metadata={"description": "来电流水号：话务平台的通话编号，用于调取录音"})


#: the largest page number asked for (100 a page: ten million rows); a larger one is a mistake, not a page
MAX_PAGE = 100_000


class PageQuery(ApiSchema):
    """page and per_page, for every list the API pages."""

    class Meta:
        unknown = EXCLUDE

    page = Integer(load_default=1, validate=Range(min=1, max=MAX_PAGE, error=f"页码为 1–{MAX_PAGE}"),
                   error_messages=_messages(invalid="应为整数"))
    per_page = Integer(load_default=30, validate=Range(min=1, max=100, error="每页 1–100 条"),
                       error_messages=_messages(invalid="应为整数"))


class TicketQuery(PageQuery):
    """A misspelt filter (departement=) is a 422, not a silent list of everything (checked in the view: webargs
    excludes unknown query parameters whatever the schema says)."""

    status = Str(choices=TicketStatus.__members__.values())
    department = Str(max_len=20, metadata={"description": "承办单位编码"})
    handler = Str(max_len=80, metadata={"description": "经办人的用户名"})
    category = Str(max_len=10, metadata={"description": "业务分类编码"})
    channel = Str(choices=Channel.__members__.values())
    type = Str(choices=TicketType.__members__.values())
    overdue = Boolean(allow_none=True, error_messages=_messages(invalid="应为 true 或 false"))
    risk = Boolean(allow_none=True, error_messages=_messages(invalid="应为 true 或 false"),
                   metadata={"description": "true：有风险提示（未解除）的工单；false：没有的"})
    assist = Str(choices=["any", "open", "asked"],
                 metadata={"description": "协办：any 有协办的，open 等待协办意见的，asked（承办人员）其他单位请本单位协办的"})
    q = Str(max_len=200, metadata={"description": "工单号、或标题和内容中的文字"})
    phone = Str(max_len=30, metadata={"description": "来电号码（只在令牌用户可见完整来电人的工单中查找）"})
    received_from = LocalDateTime(metadata={"description": "受理时间起（含），如 2026-03-01"})
    received_to = LocalDateTime(end_of_day=True, metadata={"description": "受理时间止（含当天），如 2026-03-31"})
    changed_since = LocalDateTime(metadata={
        "description": "只列此时间以后（含）有过任何办理记录的工单，供承办单位的系统增量同步：下次以第一页返回的 "
                       "next_changed_since 为 changed_since（它比本次取数早几分钟：办理记录按办理开始的时间记，保存完才查得到，"
                       "以取数开始的时间续取会漏掉当时尚未保存完的；因此同一工单可能在两次同步中都出现）；"
                       "按受理时间排序（新的在前），取数期间又有变化的工单仍在结果中。"
                       "翻页请用 after：按页码翻页时，取数期间被改派出本单位的工单会让其后的一件漏掉"})
    after = Str(max_len=80, metadata={
        "description": "翻页：上一页返回的 next_after，原样带上（其他条件不变，page 不填）；total 和 pages 为其后的件数"})


class ChannelUpdatesQuery(ApiSchema):
    class Meta:
        unknown = EXCLUDE

    since = LocalDateTime(required=True, metadata={"description": "上次取到的 next_since（首次可填提交第一件工单之前的时间）"})
    until = LocalDateTime(metadata={"description": "取到何时为止（含）；翻页时填第一页返回的 until；默认当前时间，晚于当前时间的按当前时间"})
    after = Str(max_len=80, metadata={"description": "翻页：上一页返回的 next_after，原样带上（与 since、until 一起）"})
    page = Integer(load_default=1, validate=Range(min=1, max=MAX_PAGE, error=f"页码为 1–{MAX_PAGE}"),
                   error_messages=_messages(invalid="应为整数"),
                   metadata={"description": "按页码翻页（旧方式）：翻页期间有工单再次变动时可能跳过一件，请改用 after"})
    per_page = Integer(load_default=100, validate=Range(min=1, max=100, error="每页 1–100 条"),
                       error_messages=_messages(invalid="应为整数"))


class ActionIn(ApiSchema):
    action = Str(required=True, choices=API_ACTIONS, metadata={"description": "操作"})
    department = Str(max_len=20, metadata={"description": "dispatch / reassign / approve_return：承办单位编码；"
                                                          "request_assist / withdraw_assist / urge_assist：协办单位编码"})
    category = Str(max_len=10, metadata={"description": "dispatch / recategorise：业务分类编码"})
    type = Str(choices=[t.value for t in TicketType], metadata={"description": "change_type：新的诉求类型（并须填 reason）；"
                                                                              "时限按新类型重算，不早于现在"})
    reason = Str(max_len=2000, metadata={"description": "return / request_extension / reassign / reopen / unmerge（撤销合并）/ take_back（重新受理）/ make_urgent"
                                                        "（升为紧急）/ clear_risk（解除风险提示）/ withdraw_assist（撤回协办）/ change_type（修改诉求类型）/ correct_caller（更正来电人信息）：理由；"
                                                        "request_petition_review：信访人请求复查（复核）的事项和理由；"
                                                        "withdraw_petition_review：撤销复查（复核）登记的原因"})
    request = Str(max_len=2000, metadata={"description": "request_assist：请协办单位核实或答复的事项"})
    # correct_caller (更正来电人信息, with reason): a field left out stays as it is; "" or null clears it
    caller_name = Str(max_len=50, metadata={"description": "correct_caller：来电人姓名"})
    caller_phone = Str(max_len=40, metadata={"description": "correct_caller：联系电话（手机或区号加固话）"})
    caller_id_number = Str(max_len=40, metadata={"description": "correct_caller：身份证号（18 位）"})
    region = Str(max_len=50, metadata={"description": "correct_caller：区县"})
    opinion = Str(max_len=20000, metadata={"description": "answer_assist：协办意见（协办单位的承办人员）；"
                                                         "decide_petition_review：复查（复核）意见"})
    reviewing_body = Str(max_len=100, metadata={"description": "request_petition_review：复查（复核）机关，原办理机关的上一级机关"})
    requested_on = Str(max_len=40, metadata={"description": "request_petition_review（可选，默认今天）：收到复查（复核）请求的日期，如 2026-12-05"})
    answer_received_on = Str(max_len=40, metadata={"description": "request_petition_review（可选，默认意见出具之日）：信访人收到处理意见"
                                                                 "（复核时为复查意见）的日期；请求须在其后 30 日内"})
    decision = Str(choices=["upheld", "changed"], metadata={"description": "decide_petition_review：upheld 维持原意见，"
                                                                         "changed 撤销或变更原意见"})
    decided_on = Str(max_len=40, metadata={"description": "decide_petition_review（可选，默认今天）：复查（复核）意见书的日期"})
    until = Str(max_len=40, metadata={"description": "request_extension：延期至（2026-12-31 或 ISO 8601）"})
    until_shown = Str(max_len=40, metadata={"description": "approve_extension / refuse_extension（可选）：审批人看到的申请日期"
                                                           "（工单的 extension_until）；申请已变更则拒绝，409"})
    content = Str(max_len=20000, metadata={"description": "reply / note：内容"})
    attachments = List(Integer(error_messages=_messages(invalid="应为附件编号（整数）")), validate=Length(max=50),
                       error_messages=_messages(invalid="应为附件编号的列表，如 [12, 13]"),
                       metadata={"description": "reply（可选）：随答复发送的本工单附件编号（GET /tickets/{number} 的 attachments[].id；"
                                                "含来电人身份信息的附件不可发送）；提交工单的渠道可随答复取回这些文件"})
    answer = Str(max_len=20000, metadata={"description": "answer_on_the_spot：当场答复"})
    advice = Str(max_len=20000, metadata={"description": "legal_channel：告知的法定途径"})
    note = Str(max_len=2000, metadata={"description": "备注 / 督办意见（urge、urge_assist）/ 审核意见 / follow_up：来电人再次来电反映的内容"})
    reached = Raw(allow_none=True, metadata={"description": "callback / contact：是否联系上、已告知（true/false）；"
                                                          "callback 也可为 \"declined\"：来电人不接受回访（本轮回访结束，不计入满意率）"})
    purpose = Str(choices=[p.value for p in ContactPurpose],
                  metadata={"description": "contact：联系事由（acceptance 受理告知，extension 延期告知，progress 办理进展，"
                                           "materials 请其补充材料，other 其他）"})
    method = Str(choices=[m.value for m in ContactMethod],
                 metadata={"description": "contact：联系方式（phone, sms, letter, visit, online）"})
    satisfaction = Str(choices=["satisfied", "basically_satisfied", "dissatisfied"],
                       metadata={"description": "callback：满意度"})
    solved = Raw(allow_none=True, metadata={"description": "callback：是否解决（true/false）"})
    reopen = Raw(allow_none=True, metadata={"description": "callback：不满意时是否重办"})
    into = Str(max_len=32, metadata={"description": "merge：主工单号"})
    reference = Str(max_len=100, metadata={"description": "transfer_out：12345 的转办编号；信访件为退回信访部门的函件文号（并须填 note：不属于医保部门职责的理由）"})
    to = Str(max_len=80, metadata={"description": "hand_over：转交给本单位哪位承办人员（用户名）"})
    as_suggested = Raw(allow_none=True, metadata={"description": "dispatch：true 时按系统建议的分类及其路由的承办单位派发"})


class EvaluationIn(ApiSchema):
    satisfaction = Str(required=True, choices=["satisfied", "basically_satisfied", "dissatisfied"],
                       metadata={"description": "群众对答复的评价：satisfied 满意，basically_satisfied 基本满意，dissatisfied 不满意"})
    solved = Boolean(required=True, error_messages=_messages(invalid="应为 true 或 false"),
                     metadata={"description": "群众认为问题是否已解决"})
    comment = Str(max_len=2000, metadata={"description": "群众的意见（可不填）"})


class InvalidCallIn(ApiSchema):
    kind = Str(required=True, choices=list(INVALID_CALL_KINDS),
               metadata={"description": "silent 无声或挂断，wrong_number 打错，nuisance 骚扰或恶意，"
                                        "other_hotline 非医保事项（已告知对应热线），other 其他（须写 note）"})
    caller_phone = Str(max_len=30, metadata={"description": "来电号码"})
    call_reference = Str(max_len=64, metadata={"description": "来电流水号"})
    note = Str(max_len=200, metadata={"description": "说明"})


class ClassifyIn(ApiSchema):
    text = Str(required=True, validate=Length(min=1, max=20000, error="请填写要分类的文字"))
    region = Str(max_len=50, load_default=None, metadata={"description": "所属区县（可选）：承办单位按区县的路由规则建议"})
    channel = Str(load_default=None, choices=[c.value for c in Channel], metadata={"description": "来源渠道（可选）"})
    type = Str(load_default=None, choices=[t.value for t in TicketType], metadata={"description": "诉求类型（可选）"})


# ---- responses (documentation; the views build plain dicts) ----

class EventOut(Schema):
    action = String()
    action_title = String()
    from_status = String(allow_none=True)
    to_status = String()
    actor = String(metadata={"description": "操作人；系统自动操作为“系统”"})
    note = String()
    created_at = String(metadata={"description": "ISO 8601，北京时间"})


class TicketOut(Schema):
    number = String()
    status = String()
    status_title = String()
    channel = String()
    external_id = String(allow_none=True)
    transfer_reference = String(allow_none=True)
    call_reference = String(allow_none=True, metadata={"description": "来电流水号"})
    type = String()
    urgency = String()
    title = String()
    content = String()
    category = String(allow_none=True, metadata={"description": "业务分类编码"})
    suggested_category = String(allow_none=True)
    department = String(allow_none=True, metadata={"description": "承办单位编码"})
    handler = String(allow_none=True, metadata={"description": "经办人：签收或被转交的本单位承办人员"})
    handler_username = String(allow_none=True, metadata={"description": "经办人的用户名（查询参数 handler、转交 to 用它）"})
    confidence = Float(allow_none=True, metadata={"description": "分类置信度"})
    caller_name = String(allow_none=True)
    caller_phone = String(allow_none=True)
    caller_id_number = String(allow_none=True)
    caller_masked = Boolean(metadata={"description": "来电人信息是否已打码"})
    region = String(allow_none=True)
    received_at = String()
    registered_at = String()
    accept_due_at = String(allow_none=True)
    reply_due_at = String(allow_none=True)
    calendar_confirmed = Boolean()
    closure_kind = String(allow_none=True)
    merged_into = String(allow_none=True)
    pending_notices = List(String(), metadata={"description": "待告知来电人：extension（延期已批准未告知）、"
                                                             "acceptance（信访事项已签收未书面告知受理）"})
    follow_up_count = Integer(metadata={"description": "来电催办次数：群众就在办工单再次来电，或渠道再次推送已答复、已办结的工单（内容有变化）"})
    last_follow_up_at = String(allow_none=True, metadata={"description": "最近一次来电催办的时间"})
    risk_flags = List(String(), metadata={"description": "风险提示：self_harm 人身安全，critical_care 危重病人，mass 群体性，"
                                                         "media 舆情；登记时按诉求文字识别，解除后为空"})


class ContactOut(Schema):
    purpose = String(metadata={"description": "联系事由"})
    purpose_title = String()
    method = String(metadata={"description": "联系方式"})
    reached = Boolean(metadata={"description": "已告知；false：未联系上"})
    note = String()
    by = String(allow_none=True, metadata={"description": "联系人"})
    created_at = String(metadata={"description": "ISO 8601，北京时间"})


class ReplyOut(Schema):
    kind = String(metadata={"description": "handled 办理答复，on_the_spot 当场答复，legal_channel 告知法定途径"})
    content = String(metadata={"description": "答复内容"})
    department = String(allow_none=True, metadata={"description": "答复的承办单位编码"})
    by = String(allow_none=True, metadata={"description": "答复人"})
    created_at = String(metadata={"description": "ISO 8601，北京时间"})
    attachments = List(Integer(), metadata={"description": "随答复发送的附件编号（attachments[].id）"})


class CallbackRecordOut(Schema):
    reached = Boolean(metadata={"description": "是否联系上来电人（渠道回传的评价为 true）"})
    declined = Boolean(metadata={"description": "来电人不接受回访（本轮回访结束，不计入满意率、解决率）"})
    satisfaction = String(allow_none=True, metadata={"description": "satisfied / basically_satisfied / dissatisfied"})
    solved = Boolean(allow_none=True, metadata={"description": "问题是否解决"})
    outcome_title = String(metadata={"description": "如：已联系上，基本满意，已解决"})
    note = String(metadata={"description": "回访记录"})
    by = String(allow_none=True, metadata={"description": "回访人；渠道回传的评价为空"})
    created_at = String(metadata={"description": "ISO 8601，北京时间"})


class ReplyFileOut(Schema):
    id = Integer()
    name = String(metadata={"description": "文件名"})
    content_type = String()
    size = Integer(metadata={"description": "字节数"})
    sha256 = String(metadata={"description": "文件的 SHA-256，下载后可核对"})
    url = String(metadata={"description": "下载地址（GET，同一渠道令牌）"})


class ChannelTicketOut(Schema):
    number = String(metadata={"description": "工单号"})
    external_id = String(allow_none=True, metadata={"description": "渠道提交时的编号"})
    updated_at = String(allow_none=True, metadata={"description": "最近一次变动的时间（ISO 8601，北京时间）"})
    received_at = String()
    state = String(metadata={"description": "已受理 / 办理中 / 已答复 / 已办结 / 已转办"})
    explanation = String(metadata={"description": "一句话说明办理到哪一步"})
    department = String(allow_none=True, metadata={"description": "承办单位；举报件只写“医疗保障部门”"})
    due_at = String(allow_none=True, metadata={"description": "答复期限"})
    overdue = Boolean()
    extended = Boolean(metadata={"description": "已延期"})
    merged = Boolean(metadata={"description": "已与同一事项合并办理（以下为合并后的进度）"})
    reply = String(allow_none=True, metadata={"description": "答复内容（可告知群众或公开的答复）"})
    replied_at = String(allow_none=True)
    reply_note = String(allow_none=True, metadata={"description": "已答复但不提供答复内容时的说明（如举报件）"})
    reply_attachments = List(Nested(ReplyFileOut), metadata={
        "description": "随答复发送的附件（如答复函）；仅在提供答复内容时给出，按 url 下载"})
    evaluable = Boolean(metadata={"description": "已答复、尚未回访：可回传群众评价（POST …/evaluation）；否则回传得到 409"})


class ChannelUpdateOut(ChannelTicketOut):
    """One item of the updates feed: the same fields as ChannelTicketOut, under its own name (with one class
    as the single ticket's response and nested in the feed, apispec warned that it was added twice)."""


class ChannelPageOut(Schema):
    items = List(Nested(ChannelUpdateOut))
    page = Integer()
    per_page = Integer()
    has_more = Boolean(metadata={"description": "还有下一页：以同样的 since、until 加 after=next_after 取"})
    next_after = String(allow_none=True, metadata={"description": "有下一页时：下一页的 after"})
    until = String(metadata={"description": "本次查询的截止时间，翻页时原样带上"})
    next_since = String(metadata={"description": "取完所有页后，下次查询用作 since（含少量重叠，工单可能重复出现，不会遗漏）"})


class AttachmentOut(Schema):
    id = Integer()
    name = String(metadata={"description": "上传时的文件名"})
    content_type = String()
    size = Integer(metadata={"description": "字节"})
    sha256 = String()
    identifies_caller = Boolean(metadata={"description": "含来电人身份信息：仅可查看来电人者可见"})
    uploaded_by = String(allow_none=True, metadata={"description": "上传人；null：渠道随工单提交"})
    uploaded_at = String(metadata={"description": "ISO 8601，北京时间"})
    url = String(metadata={"description": "下载地址（同一令牌）"})


class AttachmentIn(Schema):
    file = File(required=True, metadata={"description": "PDF、OFD、图片、Word、Excel、WPS、TXT 或录音；大小上限见 ATTACHMENT_MAX_MB"},
                error_messages=_messages())
    identifies_caller = Boolean(load_default=False, error_messages=_messages(),
                                metadata={"description": "含来电人身份信息（身份证、签名信件等）"})


class AssistOut(Schema):
    id = Integer()
    ticket = String(metadata={"description": "工单号"})
    department = String(metadata={"description": "协办单位编码"})
    department_name = String()
    state = String(metadata={"description": "open 待反馈，answered 已反馈，withdrawn 已撤回，"
                                            "lapsed 已终止（未反馈工单已答复、合并或办结）"})
    request = String(metadata={"description": "请协办的事项"})
    requested_by = String(allow_none=True)
    requested_at = String(metadata={"description": "ISO 8601，北京时间"})
    due_at = String(metadata={"description": "反馈时限"})
    overdue = Boolean(metadata={"description": "待反馈且已过反馈时限"})
    opinion = String(allow_none=True, metadata={"description": "协办意见"})
    answered_by = String(allow_none=True)
    answered_at = String(allow_none=True)
    withdraw_reason = String(allow_none=True)
    closed_at = String(allow_none=True, metadata={"description": "撤回或终止的时间"})
    urged_at = String(allow_none=True, metadata={"description": "最近一次督办协办的时间"})
    urge_note = String(allow_none=True, metadata={"description": "督办意见"})


class PetitionReviewOut(Schema):
    stage = String(metadata={"description": "recheck 复查，reexamine 复核（信访工作条例第三十五、三十六条）"})
    stage_title = String()
    reviewing_body = String(metadata={"description": "复查（复核）机关"})
    reason = String(metadata={"description": "信访人请求的事项和理由"})
    answer_received_on = String(metadata={"description": "信访人收到所不服意见的日期"})
    requested_on = String(metadata={"description": "收到请求的日期"})
    due_at = String(metadata={"description": "出具意见的期限（收到请求之日起 30 日）"})
    overdue = Boolean(metadata={"description": "超过期限仍未出具意见，或出具晚于期限"})
    recorded_by = String(allow_none=True)
    decision = String(allow_none=True, metadata={"description": "upheld 维持原意见，changed 撤销或变更原意见；null 待出具"})
    opinion = String(allow_none=True, metadata={"description": "复查（复核）意见"})
    decided_on = String(allow_none=True, metadata={"description": "意见书的日期"})
    decided_by = String(allow_none=True)
    withdrawn_at = String(allow_none=True, metadata={"description": "撤销登记的时间（登记有误或信访人撤回）；撤销的不再是请求"})
    withdraw_reason = String(allow_none=True)


class TicketDetailOut(TicketOut):
    events = List(Nested(EventOut))
    replies = List(Nested(ReplyOut), metadata={"description": "答复（重办后的新答复在后）"})
    callbacks = List(Nested(CallbackRecordOut), metadata={"description": "回访及渠道回传的群众评价"})
    contacts = List(Nested(ContactOut), metadata={"description": "联系来电人记录（受理告知、延期告知、办理进展等）"})
    assists = List(Nested(AssistOut), metadata={"description": "协办：请其他单位核实或答复的事项及其意见"})
    petition_reviews = List(Nested(PetitionReviewOut), metadata={"description": "信访件的复查、复核请求及其意见"})
    petition_concluded = Boolean(metadata={"description": "信访事项已复核终结：以同一事实和理由再次提出的不再受理"})
    allowed_actions = List(String())
    attachments = List(Nested(AttachmentOut), metadata={"description": "该令牌的用户可查看的附件"})
    hidden_attachments = Integer(metadata={"description": "另有几个含来电人身份信息、该用户不可查看的附件"})


class PageOut(Schema):
    """Where a paged list is: the page, its size, how many items and pages in all."""

    page = Integer()
    per_page = Integer()
    total = Integer()
    pages = Integer()


class MovedAwayOut(Schema):
    number = String()
    moved_at = String(metadata={"description": "离开本单位的时间"})
    action = String(metadata={"description": "reassign（改派）或 approve_return（同意退回后改派）"})


class TicketPageOut(PageOut):
    items = List(Nested(TicketOut))
    moved_away = List(Nested(MovedAwayOut), metadata={
        "description": "承办人员的令牌带 changed_since 时（只在第一页）：此后改派或退回出本单位、现已不属本单位的工单，"
                       "本单位系统应从其副本中移出"})
    next_after = String(allow_none=True, metadata={
        "description": "还有下一页时：下一页的 after；没有了为 null"})
    next_changed_since = String(metadata={
        "description": "增量同步下次的 changed_since（ISO 8601，北京时间）：本次取数时间减去保存最久可能耗时"})


class AssistQuery(PageQuery):
    state = Str(load_default="open", choices=["open", "answered"],
                metadata={"description": "open：待本单位反馈（工单仍在办理）；answered：本单位已反馈的"})


class AssistPageOut(PageOut):
    items = List(Nested(AssistOut))


class CallbackOut(TicketOut):
    failed_tries = Integer(metadata={"description": "本轮已回访未联系上的次数"})


class CallbackPageOut(PageOut):
    items = List(Nested(CallbackOut))


class RiskOut(Schema):
    code = String()
    title = String()
    phrase = String(metadata={"description": "识别出的词语"})
    advice = String(metadata={"description": "处置要求"})


class AnnouncementOut(Schema):
    id = Integer()
    title = String()
    content = String()
    important = Boolean(metadata={"description": "重要：在页面顶部提示，直到标为已阅"})
    author = String()
    published_at = String(metadata={"description": "ISO 8601，北京时间"})
    expires_at = String(allow_none=True, metadata={"description": "显示至"})
    read = Boolean(metadata={"description": "该令牌的用户是否已阅"})


class AnnouncementItemOut(AnnouncementOut):
    """One item of the list: the same fields as AnnouncementOut under its own name (one class both as a response and
    nested in the list made apispec warn that it was added twice)."""


class AnnouncementPageOut(PageOut):
    items = List(Nested(AnnouncementItemOut))
    unread = Integer(metadata={"description": "未阅的条数（即页面上“公告”的数字）"})


class InvalidCallOut(Schema):
    id = Integer()
    kind = String()
    kind_title = String()
    call_reference = String(allow_none=True)
    created_at = String()
    nuisance_calls = Integer(metadata={"description": "该号码近 30 天的骚扰来电记录数（含本次）"})


class ClassifyOut(Schema):
    label = String()
    confidence = Float()
    top = List(List(Raw()), metadata={"description": "[[分类编码, 概率], …]"})
    department = String(allow_none=True)
    type = String(allow_none=True)
    reasons = List(String())
    confident = Boolean()
    model_version = String()
    risks = List(Nested(RiskOut), metadata={"description": "风险提示：文字中识别出的风险种类，应报告值班长、按紧急件办理"})


class ErrorOut(Schema):
    error = String(required=True)
    fields = Dict(keys=String(), values=String())


# 月度考核


class CountedTicketQuery(ApiSchema):
    limit = Integer(load_default=500, validate=Range(min=1, max=5000, error="每次 1–5000 件"),
                    error_messages=_messages(invalid="应为整数"), metadata={"description": "最多返回多少件（按受理时间）"})


class FiguresOut(Schema):
    rank = Integer(allow_none=True, metadata={"description": "名次；没有综合得分的单位为 null"})
    department = String(metadata={"description": "承办单位编码"})
    department_name = String()
    received = Integer(metadata={"description": "收件（本月交办到本单位的工单，核减的不计）"})
    contested = Integer(metadata={"description": "核减（申诉通过、不计入考核）的件数"})
    accept_due = Integer()
    accept_on_time = Integer()
    accept_rate = Float(allow_none=True, metadata={"description": "签收及时率，0–1；没有应签收的工单为 null"})
    reply_due = Integer()
    reply_on_time = Integer()
    on_time_rate = Float(allow_none=True, metadata={"description": "按时办结率，0–1"})
    overdue = Integer()
    return_base = Integer()
    returned = Integer()
    return_rate = Float(allow_none=True)
    extended = Integer()
    reopened = Integer()
    handled = Integer()
    handling_hours = Float(allow_none=True, metadata={"description": "平均办理时长（小时）"})
    reached = Integer(metadata={"description": "回访联系上的件数"})
    satisfied = Integer()
    satisfaction_rate = Float(allow_none=True)
    solved = Integer()
    resolution_rate = Float(allow_none=True)
    score = Float(allow_none=True, metadata={"description": "综合得分（按当时的权重）"})
    previous_rank = Integer(allow_none=True, metadata={"description": "上月已发布结果中的名次"})
    previous_score = Float(allow_none=True)
    rank_change = Integer(allow_none=True, metadata={"description": "名次变化，正数为上升"})
    score_change = Float(allow_none=True)


class AssessmentOut(Schema):
    month = String(metadata={"description": "考核月份，如 2026-03"})
    issued = Boolean(metadata={"description": "是否已发布（已发布的结果冻结不变）"})
    as_of = String(metadata={"description": "已发布：发布时间；未发布：数据截至的时间"})
    weights = Dict(keys=String(), values=Integer(), metadata={"description": "综合得分权重"})
    rows = List(Nested(FiguresOut))


class CountedTicketOut(Schema):
    number = String()
    title = String()
    status = String()
    received_at = String(metadata={"description": "本月交办到本单位的时间"})
    contested = Boolean(metadata={"description": "已核减，不计入考核"})
    accept_due = Boolean()
    accept_on_time = Boolean()
    reply_due = Boolean()
    reply_on_time = Boolean()
    overdue = Boolean()
    returned = Boolean()
    extended = Boolean()
    reopened = Boolean()
    handling_hours = Float(allow_none=True)
    reached = Boolean()
    satisfied = Boolean()
    solved = Boolean()


class CountedTicketsOut(Schema):
    month = String()
    department = String()
    issued = Boolean()
    total = Integer(metadata={"description": "计入考核的工单总数"})
    items = List(Nested(CountedTicketOut), metadata={"description": "按受理时间排序的前 limit 件"})


# 热点诉求


class HotspotQuery(ApiSchema):
    days = Integer(load_default=7, validate=OneOf([1, 3, 7, 14, 30], error="可选 1、3、7、14、30 天"),
                   error_messages=_messages(invalid="应为整数"), metadata={"description": "近几天受理的工单"})
    min_size = Integer(load_default=3, validate=OneOf([3, 5, 10, 20], error="可选 3、5、10、20 位"),
                       error_messages=_messages(invalid="应为整数"), metadata={"description": "至少几位来电人"})
    department = Str(max_len=20, metadata={"description": "只看某承办单位的工单（编码）"})
    fresh = Boolean(load_default=False, error_messages=_messages(invalid="应为 true 或 false"), metadata={"description": "true：不用 5 分钟内的结果，重新统计"})
    limit = Integer(load_default=50, validate=Range(min=1, max=1000, error="每次 1–1000 组"),
                    error_messages=_messages(invalid="应为整数"), metadata={"description": "最多返回几组（最大的在前）"})


class HotspotOut(Schema):
    headline = String(metadata={"description": "最典型一件的标题（号码已打码）"})
    callers = Integer(metadata={"description": "来电人数（同一号码只算一位）"})
    open = Integer(metadata={"description": "在办件数"})
    first_at = String()
    last_at = String()
    categories = List(List(Raw()), metadata={"description": "[[业务分类, 件数], …]，多的在前"})
    regions = List(List(Raw()))
    departments = List(List(Raw()))
    tickets = List(Dict(), metadata={"description": "[{number, similarity, status, region, department, received_at}]，"
                                                    "最典型的在前"})


class HotspotsOut(Schema):
    computed_at = String(metadata={"description": "统计时间"})
    since = String(metadata={"description": "比较的工单自此时受理"})
    tickets_compared = Integer()
    similarity = Float(metadata={"description": "成组的相似度门槛（系统设置）"})
    total = Integer(metadata={"description": "共有几组（hotspots 只列 limit 组）"})
    hotspots = List(Nested(HotspotOut))
