"""Vocabularies of domain.md, each value with its Chinese title (and CSS class for states)."""
from __future__ import annotations

import enum


class TitledEnum(enum.StrEnum):
    __titles__: dict = {}

    @property
    def title(self) -> str:
        return type(self).__titles__.get(self.value, self.value)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.title) for m in cls]

    @classmethod
    def sql_in(cls) -> str:
        return ",".join(f"'{m.value}'" for m in cls)


class TicketStatus(TitledEnum):
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RETURN_REQUESTED = "return_requested"
    REPLIED = "replied"
    CALLED_BACK = "called_back"
    CLOSED = "closed"
    MERGED = "merged"
    TRANSFERRED_OUT = "transferred_out"

    __titles__ = {
        "registered": "已登记",
        "dispatched": "已派发",
        "accepted": "已签收",
        "return_requested": "退回待审",
        "replied": "已答复",
        "called_back": "已回访",
        "closed": "已办结",
        "merged": "已合并",
        "transferred_out": "已转出",
    }
    __css_classes__ = {
        "registered": "st-registered",
        "dispatched": "st-dispatched",
        "accepted": "st-accepted",
        "return_requested": "st-warning",
        "replied": "st-replied",
        "called_back": "st-replied",
        "closed": "st-closed",
        "merged": "st-closed",
        "transferred_out": "st-closed",
    }

    @property
    def css_class(self) -> str:
        return self.__css_classes__[self.value]

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


# states in which a department still owes work (the deadline clock runs)
OPEN_STATUSES = frozenset(
    {TicketStatus.REGISTERED, TicketStatus.DISPATCHED, TicketStatus.ACCEPTED, TicketStatus.RETURN_REQUESTED}
)
# answered (and perhaps called back or closed): a channel's word no longer reopens them, a 重办 does
ANSWERED_STATUSES = frozenset({TicketStatus.REPLIED, TicketStatus.CALLED_BACK, TicketStatus.CLOSED})


class TicketType(TitledEnum):
    CONSULT = "consult"
    HELP = "help"
    COMPLAINT = "complaint"
    REPORT = "report"
    SUGGESTION = "suggestion"
    PRAISE = "praise"

    __titles__ = {
        "consult": "咨询",
        "help": "求助",
        "complaint": "投诉",
        "report": "举报",
        "suggestion": "建议",
        "praise": "表扬",
    }


class Urgency(TitledEnum):
    NORMAL = "normal"
    URGENT = "urgent"

    __titles__ = {"normal": "一般", "urgent": "紧急"}


class Channel(TitledEnum):
    HOTLINE_12393 = "hotline_12393"
    TRANSFER_12345 = "transfer_12345"
    MAILBOX_DIRECTOR = "mailbox_director"  # the centre's own bureau's
    # domain.md: 局长信箱 of the national, provincial and municipal bureau, each its own system with its own ids
    MAILBOX_DIRECTOR_NATIONAL = "mailbox_director_national"
    MAILBOX_DIRECTOR_PROVINCIAL = "mailbox_director_provincial"
    MAILBOX_MAYOR = "mailbox_mayor"
    MAILBOX_SECRETARY = "mailbox_secretary"
    PEOPLE_DAILY = "people_daily"
    GOV_SUPERVISION = "gov_supervision"
    GOV_PLATFORM = "gov_platform"
    PETITION_BUREAU = "petition_bureau"
    WECHAT = "wechat"
    LETTER = "letter"
    VISIT = "visit"

    __titles__ = {
        "hotline_12393": "12393热线",
        "transfer_12345": "12345转办",
        "mailbox_director": "局长信箱",
        "mailbox_director_national": "国家医保局局长信箱",
        "mailbox_director_provincial": "省医保局局长信箱",
        "mailbox_mayor": "市长信箱",
        "mailbox_secretary": "书记信箱",
        "people_daily": "人民网留言板",
        "gov_supervision": "互联网+督查",
        "gov_platform": "政务服务平台",
        "petition_bureau": "信访局转办",
        "wechat": "微信答疑平台",
        "letter": "来信",
        "visit": "来访",
    }


class Satisfaction(TitledEnum):
    SATISFIED = "satisfied"
    BASICALLY_SATISFIED = "basically_satisfied"
    DISSATISFIED = "dissatisfied"

    __titles__ = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}


class ContactPurpose(TitledEnum):
    """Why the citizen was contacted while the ticket was worked (联系来电人)."""
    ACCEPTANCE = "acceptance"
    EXTENSION = "extension"
    PROGRESS = "progress"
    MATERIALS = "materials"
    OTHER = "other"

    __titles__ = {"acceptance": "受理告知", "extension": "延期告知", "progress": "告知办理进展",
                  "materials": "请其补充材料", "other": "其他沟通"}


class AssistState(TitledEnum):
    """协办: a department asked to help the one that handles a ticket (主办单位) with its opinion."""
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"  # the ticket left the departments (answered, merged, closed) before the opinion came

    __titles__ = {"open": "待反馈", "answered": "已反馈", "withdrawn": "已撤回", "lapsed": "已终止"}


class PetitionReviewStage(TitledEnum):
    """信访工作条例: a petitioner who does not accept the 处理意见 asks for 复查 within 30 days of receiving it
    (第三十五条); one who does not accept the 复查意见 asks for 复核 within 30 days of receiving that (第三十六条)."""
    RECHECK = "recheck"
    REEXAMINE = "reexamine"

    __titles__ = {"recheck": "复查", "reexamine": "复核"}


class PetitionReviewDecision(TitledEnum):
    UPHELD = "upheld"
    CHANGED = "changed"

    __titles__ = {"upheld": "维持原意见", "changed": "撤销或变更原意见"}


class ContactMethod(TitledEnum):
    PHONE = "phone"
    SMS = "sms"
    LETTER = "letter"
    VISIT = "visit"
    ONLINE = "online"

    __titles__ = {"phone": "电话", "sms": "短信", "letter": "书面", "visit": "当面", "online": "网上留言回复"}


class ClosureKind(TitledEnum):
    HANDLED = "handled"
    ON_THE_SPOT = "on_the_spot"
    LEGAL_CHANNEL = "legal_channel"

    __titles__ = {"handled": "办结", "on_the_spot": "直接办结", "legal_channel": "告知法定途径"}


class CategorySource(TitledEnum):
    CLASSIFIER = "classifier"
    PERSON = "person"

    __titles__ = {"classifier": "自动分类", "person": "人工"}


class ExtensionState(TitledEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"

    __titles__ = {"requested": "延期待审", "approved": "延期已批准", "refused": "延期未批准"}
