from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from classifiers.risk import KIND_BY_CODE, RiskKind
from ticketing.extensions import db
from ticketing.models.base import UTCDateTime
from ticketing.models.category import Category
from ticketing.models.department import Department
from ticketing.models.enums import (
    AssistState,
    Channel,
    ClosureKind,
    ContactMethod,
    ContactPurpose,
    ExtensionState,
    PetitionReviewDecision,
    PetitionReviewStage,
    Satisfaction,
    TicketStatus,
    TicketType,
    Urgency,
)
from ticketing.models.user import User


class Ticket(db.Model):
    """工单: one citizen's matter, from whichever channel it came."""

    __tablename__ = "ticket"
    __table_args__ = (
        sa.UniqueConstraint("channel", "external_id", name="uq_ticket_channel_external_id"),
        sa.CheckConstraint(f"status IN ({TicketStatus.sql_in()})", name="status_known"),
        sa.CheckConstraint(f"type IN ({TicketType.sql_in()})", name="type_known"),
        sa.CheckConstraint(f"urgency IN ({Urgency.sql_in()})", name="urgency_known"),
        sa.CheckConstraint(f"channel IN ({Channel.sql_in()})", name="channel_known"),
        sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name="closed_at_iff_closed"),
        sa.CheckConstraint("(status = 'merged') = (merged_into_id IS NOT NULL)", name="merged_into_iff_merged"),
        sa.CheckConstraint(
            "status IN ('registered','merged','transferred_out','closed') OR department_id IS NOT NULL",
            name="department_when_dispatched",
        ),
        sa.Index("ix_ticket_department_status_reply_due", "department_id", "status", "reply_due_at"),
        sa.Index("ix_ticket_status_reply_due", "status", "reply_due_at"),
        sa.Index("ix_ticket_received_at", "received_at"),
        sa.Index("ix_ticket_transfer_reference", "transfer_reference"),  # 12345's 转办编号, searched exactly
        sa.Index("ix_ticket_external_id", "external_id"),  # a channel's own id, searched without its channel
        sa.Index("ix_ticket_caller_phone_received", "caller_phone", "received_at"),
        sa.Index("ix_ticket_category_received", "category_id", "received_at"),
        # the menu counters on every page (inbox.todo_counts): counted from the index alone
        sa.Index("ix_ticket_status_extension_state", "status", "extension_state"),
        sa.Index("ix_ticket_status_needs_callback", "status", "needs_callback"),
        sa.Index("ix_ticket_department_status_urged", "department_id", "status", "last_urged_at"),
        sa.Index("ix_ticket_status_accept_due", "status", "accept_due_at", "reply_due_at"),
        sa.Index("ix_ticket_handler_status", "handler_id", "status"),
        sa.Index("ix_ticket_channel_updated", "channel", "updated_at", "id"),
        sa.Index("ix_ticket_last_follow_up", "last_follow_up_at"),
        sa.Index("ix_ticket_risk_flags", "risk_flags"),
        sa.Index("ix_ticket_merged_into_id", "merged_into_id"),  # the duplicates merged into a ticket, on its page
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(32), unique=True)
    channel: Mapped[str] = mapped_column(sa.String(30))
    external_id: Mapped[str | None] = mapped_column(sa.String(100))
    type: Mapped[str] = mapped_column(sa.String(20))
    urgency: Mapped[str] = mapped_column(sa.String(10), default=Urgency.NORMAL.value)
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    content: Mapped[str] = mapped_column(sa.Text)
    # jieba search terms of title and content, space-separated; indexed by PostgreSQL
    # full text (GIN) or SQLite FTS5 (see services/fulltext.py and its migration)
    search_text: Mapped[str | None] = mapped_column(sa.Text)
    caller_name: Mapped[str | None] = mapped_column(sa.String(50))
    caller_phone: Mapped[str | None] = mapped_column(sa.String(20))
    caller_id_number: Mapped[str | None] = mapped_column(sa.String(18))
    region: Mapped[str | None] = mapped_column(sa.String(50))

    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    category_source: Mapped[str | None] = mapped_column(sa.String(20))
    classifier_confidence: Mapped[float | None]
    classifier_version: Mapped[str | None] = mapped_column(sa.String(40))
    suggested_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    designated: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # 经办人: the department's staff member working the ticket (who accepted it, or to whom it was handed over)
    handler_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    status: Mapped[str] = mapped_column(sa.String(20), default=TicketStatus.REGISTERED.value)
    status_before_return: Mapped[str | None] = mapped_column(sa.String(20))
    closure_kind: Mapped[str | None] = mapped_column(sa.String(20))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ticket.id"))
    transfer_reference: Mapped[str | None] = mapped_column(sa.String(100))
    # 来电流水号: the telephone platform's id of the call (its recording is found by it), from the screen pop
    call_reference: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    needs_callback: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # 正在回访: the agent who opened it to call back, and when (services/callback_claims.py); for a few minutes
    # the other agents' 待回访 leaves it out, so that two of them do not ring the same citizen
    callback_claimed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    callback_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 风险提示: the kinds of risk found in the caller's words at registration (classifiers/risk.py), comma-separated
    # codes, most serious first; None when none was found or a person cleared them (services/risk_alerts.py)
    risk_flags: Mapped[str | None] = mapped_column(sa.String(80))

    accept_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    calendar_confirmed: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    overdue_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    extension_state: Mapped[str | None] = mapped_column(sa.String(20))
    extension_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    extension_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # 告知来电人: when the citizen was told of the approved extension (cleared by each approval), and, for a
    # petition (信访工作条例), that it was accepted; see services/notices.py
    extension_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acceptance_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    urge_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_urge_note: Mapped[str | None] = mapped_column(sa.Text)
    # 来电催办: the citizen called again about this ticket while it was worked (services/tickets.record_follow_up)
    follow_up_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_follow_up_note: Mapped[str | None] = mapped_column(sa.Text)
    # the last 联系来电人 recorded (services/notices.record_contact): a 来电催办 after it is still to be answered
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_count: Mapped[int] = mapped_column(default=0, server_default="0")
    return_count: Mapped[int] = mapped_column(default=0, server_default="0")

    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the last time what the citizen sees of the ticket changed (workflow.transition: a change of status, or an action
    # in SEEN_BY_THE_CITIZEN); channels poll for what changed since (services/channel_feedback.py)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the last time the department's duty phone was texted about this urgent ticket (one text per dispatch)
    department_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    called_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    category: Mapped[Category | None] = relationship(foreign_keys=[category_id])
    suggested_category: Mapped[Category | None] = relationship(foreign_keys=[suggested_category_id])
    department: Mapped[Department | None] = relationship()
    merged_into: Mapped[Ticket | None] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    callback_claimed_by: Mapped[User | None] = relationship(foreign_keys=[callback_claimed_by_id])
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="save-update, merge"
    )
    replies: Mapped[list[Reply]] = relationship(back_populates="ticket", order_by="Reply.id")
    callbacks: Mapped[list[Callback]] = relationship(back_populates="ticket", order_by="Callback.id")
    notes: Mapped[list[InternalNote]] = relationship(back_populates="ticket", order_by="InternalNote.id")
    attachments: Mapped[list[TicketAttachment]] = relationship(back_populates="ticket", order_by="TicketAttachment.id")
    contacts: Mapped[list[CitizenContact]] = relationship(back_populates="ticket", order_by="CitizenContact.id")
    assists: Mapped[list[AssistRequest]] = relationship(back_populates="ticket", order_by="AssistRequest.id")
    petition_reviews: Mapped[list[PetitionReview]] = relationship(back_populates="ticket", order_by="PetitionReview.id")

    @property
    def status_enum(self) -> TicketStatus:
        return TicketStatus(self.status)

    @property
    def answered_by_its_department(self) -> bool:
        """The department it is with has answered it before (a reopened ticket): the matter is its own, no 退回."""
        return any(r.department_id == self.department_id for r in self.replies)

    @property
    def reached_since_reply(self) -> list[Callback]:
        """The callbacks since the last reply that reached the citizen (a 重办 starts a new round)."""
        return [c for c in self.callbacks if c.reached and (self.replied_at is None or c.created_at >= self.replied_at)]

    @property
    def left_unhappy(self) -> bool:
        """The last callback that reached the citizen since the last reply says 不满意 or 未解决 (重办 is what
        follows, as the callback form's box says)."""
        reached = self.reached_since_reply
        return bool(reached) and (reached[-1].satisfaction == "dissatisfied" or reached[-1].solved is False)

    @hybrid_property
    def current_due_at(self):
        """The deadline the ticket is working to: while dispatched, the earlier of acceptance and reply (one
        dispatched a day before its reply deadline is overdue once that passes, as the scan and the 已超期 filter
        say); otherwise the reply. The same rule in SQL orders the inbox and 督办 (the expression below)."""
        return self.accept_due_at if self.current_due_kind == "签收" else self.reply_due_at

    @current_due_at.inplace.expression
    @classmethod
    def _current_due_at_expression(cls):
        accept_first = sa.or_(cls.reply_due_at.is_(None), cls.accept_due_at <= cls.reply_due_at)
        return sa.case((sa.and_(cls.status == TicketStatus.DISPATCHED.value, cls.accept_due_at.is_not(None),
                                accept_first), cls.accept_due_at), else_=cls.reply_due_at)

    @property
    def current_due_kind(self) -> str:
        """签收 or 答复: which of the two ``current_due_at`` is."""
        if self.status != TicketStatus.DISPATCHED.value or self.accept_due_at is None:
            return "答复"
        return "答复" if self.reply_due_at is not None and self.reply_due_at < self.accept_due_at else "签收"

    @property
    def type_title(self) -> str:
        return TicketType(self.type).title

    @property
    def channel_title(self) -> str:
        return Channel(self.channel).title

    @property
    def urgency_title(self) -> str:
        return Urgency(self.urgency).title

    @property
    def closure_title(self) -> str:
        return ClosureKind(self.closure_kind).title if self.closure_kind else ""

    @property
    def extension_title(self) -> str:
        return ExtensionState(self.extension_state).title if self.extension_state else ""

    @property
    def transfers_back_to_petition_office(self) -> bool:
        """A petition the 信访局 sent that is not the bureau's matter goes back to it (信访工作条例: the body it was
        sent to objects and returns it), not on to 12345 (a petition review: the 信访局 was told 已转至 12345)."""
        return self.channel == Channel.PETITION_BUREAU.value

    @property
    def transfers_back_to_12345(self) -> bool:
        """A 12345 order that is not a medical-insurance matter goes back to 12345 with the reason (退回12345), as its
        own order: not "转出" under a new number, which overwrote 12345's (a 12345 interop review)."""
        return self.channel == Channel.TRANSFER_12345.value

    @property
    def transfer_reference_title(self) -> str:
        """What ``transfer_reference`` is: the letter returning a petition to the 信访部门, else 12345's number."""
        returned = self.status == "transferred_out" and self.transfers_back_to_petition_office
        return "退回信访部门函号" if returned else "12345 编号"

    @property
    def pending_notices(self) -> list[ContactPurpose]:
        """What the citizen still has to be told (告知来电人): an approved extension while the ticket is worked,
        and a petition's acceptance (信访工作条例: 书面告知受理) once a department has accepted it and until it replies."""
        pending = []
        if self.status in NOTICE_STATES:
            if self.channel == Channel.PETITION_BUREAU.value and self.accepted_at is not None \
                    and self.acceptance_told_at is None:
                pending.append(ContactPurpose.ACCEPTANCE)
            if self.extension_state == ExtensionState.APPROVED.value and self.extension_told_at is None:
                pending.append(ContactPurpose.EXTENSION)
        return pending

    @property
    def risk_kinds(self) -> list[RiskKind]:
        return [KIND_BY_CODE[code] for code in (self.risk_flags or "").split(",") if code in KIND_BY_CODE]

    @property
    def is_confidential_report(self) -> bool:
        """欺诈骗保举报: the reporter's identity is protected (基金监督管理条例 §35), on a duplicate merged into a
        report too (the same person and matter: its caller is the reporter)."""
        ticket, hops = self, 0
        while ticket is not None and hops <= MERGE_HOPS_CHECKED:
            if ticket.type == TicketType.REPORT.value or (ticket.category is not None and ticket.category.code == "JJ"):
                return True
            ticket, hops = ticket.merged_into, hops + 1
        return False

    def __repr__(self) -> str:
        return f"<Ticket {self.number} {self.status}>"


#: how far along a chain of merges (B into A, A later into C) a report's confidentiality is looked for
MERGE_HOPS_CHECKED = 5

#: states in which a notice to the citizen can still be owed (`Ticket.pending_notices`, `inbox.notices_owed_condition`):
#: after the reply, the reply tells the citizen
NOTICE_STATES = (TicketStatus.DISPATCHED.value, TicketStatus.ACCEPTED.value, TicketStatus.RETURN_REQUESTED.value)


class TicketEvent(db.Model):
    """Append-only history: who did what, when, from which state to which, and why.

    One amendment: a 签收's or 答复's ``data.on_time`` judged against a deadline counted without the year's
    holidays is set true when the recomputed deadline shows it was on time; the event keeps
    ``late_before_recalculation`` and the ``recalculate_deadline`` event that did it names it (``now_on_time``).
    """

    __tablename__ = "ticket_event"
    __table_args__ = (sa.Index("ix_ticket_event_ticket_id_id", "ticket_id", "id"),
                      sa.Index("ix_ticket_event_action_created", "action", "created_at"),
                      # GET /tickets?changed_since=: the tickets with any event since a moment
                      sa.Index("ix_ticket_event_created_ticket", "created_at", "ticket_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    actor_label: Mapped[str] = mapped_column(sa.String(50))
    action: Mapped[str] = mapped_column(sa.String(30))
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def action_title(self) -> str:
        from ticketing.services.workflow import ACTION_TITLES

        if self.action == "transfer_out" and (self.data or {}).get("to") == "petition_office":
            return "退回信访部门"
        if self.action == "transfer_out" and (self.data or {}).get("to") == "12345_return":
            return "退回12345"
        return ACTION_TITLES.get(self.action, self.action)

    @property
    def from_status_title(self) -> str:
        return TicketStatus(self.from_status).title if self.from_status else "—"

    @property
    def to_status_title(self) -> str:
        return TicketStatus(self.to_status).title


class Reply(db.Model):
    """答复: what the citizen is told."""

    __tablename__ = "reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    kind: Mapped[str] = mapped_column(sa.String(20), default=ClosureKind.HANDLED.value)
    content: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="replies")
    author: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()
    #: files sent with this reply (a 答复函, a notice of the result): the channel that submitted the ticket fetches them
    attachments: Mapped[list[TicketAttachment]] = relationship(back_populates="reply", order_by="TicketAttachment.id")

    @property
    def sent_files(self) -> list[TicketAttachment]:
        return [a for a in self.attachments if a.removed_at is None]


class Callback(db.Model):
    """回访: the citizen called back after the reply."""

    __tablename__ = "callback"
    __table_args__ = (
        sa.CheckConstraint(f"satisfaction IS NULL OR satisfaction IN ({Satisfaction.sql_in()})", name="satisfaction_known"),
        sa.CheckConstraint("reached OR (satisfaction IS NULL AND solved IS NULL)", name="answers_only_when_reached"),
        sa.CheckConstraint("NOT (declined AND reached)", name="declined_is_not_reached"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"), index=True)
    reached: Mapped[bool]
    satisfaction: Mapped[str | None] = mapped_column(sa.String(30))
    solved: Mapped[bool | None]
    # 来电人不接受回访: the round ends without an answer, in no figure (as a 未联系上 try does)
    declined: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="callbacks")
    agent: Mapped[User | None] = relationship()

    @property
    def satisfaction_title(self) -> str:
        return Satisfaction(self.satisfaction).title if self.satisfaction else ""

    @property
    def outcome_title(self) -> str:
        """已联系上，满意，已解决 / 未联系上 / 来电人不接受回访, as the ticket page and the API give it."""
        if self.declined:
            return "来电人不接受回访"
        if not self.reached:
            return "未联系上"
        return f"已联系上，{self.satisfaction_title}，{'已解决' if self.solved else '未解决'}"


class CitizenContact(db.Model):
    """联系来电人: a call, text, letter or visit to the citizen while the ticket is worked (受理告知, 延期告知,
    办理进展, a request for documents). ``reached`` False records an attempt that did not get through."""

    __tablename__ = "citizen_contact"
    __table_args__ = (
        sa.CheckConstraint(f"purpose IN ({ContactPurpose.sql_in()})", name="purpose_known"),
        sa.CheckConstraint(f"method IN ({ContactMethod.sql_in()})", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    purpose: Mapped[str] = mapped_column(sa.String(20))
    method: Mapped[str] = mapped_column(sa.String(20))
    reached: Mapped[bool]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="contacts")
    author: Mapped[User | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def purpose_title(self) -> str:
        return ContactPurpose(self.purpose).title

    @property
    def method_title(self) -> str:
        return ContactMethod(self.method).title


class AssistRequest(db.Model):
    """协办: the department that handles a ticket (主办), or a supervisor, asks another department for its opinion
    (核实 a pharmacy's records, a price, a county's payment) by a deadline; the other department answers with
    协办意见, which the handling department reads before it replies. services/assists.py."""

    __tablename__ = "assist_request"
    __table_args__ = (
        sa.CheckConstraint(f"state IN ({AssistState.sql_in()})", name="state_known"),
        sa.Index("ix_assist_request_department_state", "department_id", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"))
    state: Mapped[str] = mapped_column(sa.String(20), default=AssistState.OPEN.value)
    request: Mapped[str] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    calendar_confirmed: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    opinion: Mapped[str | None] = mapped_column(sa.Text)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdraw_reason: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # withdrawn, or ended with the ticket's work
    urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 督办协办: the latest urging by a supervisor
    urge_note: Mapped[str | None] = mapped_column(sa.Text)

    ticket: Mapped[Ticket] = relationship(back_populates="assists")
    department: Mapped[Department] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def state_title(self) -> str:
        return AssistState(self.state).title

    @property
    def is_open(self) -> bool:
        return self.state == AssistState.OPEN.value


class PetitionReview(db.Model):
    """信访复查、复核 (信访工作条例第三十五、三十六条): a petitioner who does not accept the written 处理意见 asks,
    within 30 days of receiving it, the body above the one that handled it to look again (复查); one who does not
    accept the 复查意见 asks the body above that (复核) within 30 days. Each body gives its written opinion within 30
    days of receiving the request. After 复核 the matter is concluded: the same facts and reasons are not accepted
    again. The centre records the request, the body asked, and its opinion; services/petition_reviews.py."""

    __tablename__ = "petition_review"
    __table_args__ = (
        # one request per stage, unless withdrawn (撤销登记: kept, as everything is, but no longer the request)
        sa.Index("uq_petition_review_ticket_stage", "ticket_id", "stage", unique=True,
                 sqlite_where=sa.text("withdrawn_at IS NULL"), postgresql_where=sa.text("withdrawn_at IS NULL")),
        sa.CheckConstraint(f"stage IN ({PetitionReviewStage.sql_in()})", name="stage_known"),
        sa.CheckConstraint("decision IS NULL OR withdrawn_at IS NULL", name="decided_or_withdrawn"),
        sa.CheckConstraint(f"decision IS NULL OR decision IN ({PetitionReviewDecision.sql_in()})",
                           name="decision_known"),
        sa.CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", name="decided_at_iff_decision"),
        sa.Index("ix_petition_review_open_due", "decided_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    stage: Mapped[str] = mapped_column(sa.String(20))
    reviewing_body: Mapped[str] = mapped_column(sa.String(100))  # 复查（复核）机关
    reason: Mapped[str] = mapped_column(sa.Text)  # 请求事项和理由
    answer_received_on: Mapped[date] = mapped_column(sa.Date)  # the petitioner received the opinion contested
    requested_on: Mapped[date] = mapped_column(sa.Date)  # the request was received
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the written opinion is owed by (30 days)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(sa.String(20))
    opinion: Mapped[str | None] = mapped_column(sa.Text)  # 复查（复核）意见
    decided_on: Mapped[date | None] = mapped_column(sa.Date)  # the date of the written opinion
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it was recorded here
    # 撤销登记: recorded by mistake, or taken back by the petitioner before any opinion
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    withdraw_reason: Mapped[str | None] = mapped_column(sa.Text)

    ticket: Mapped[Ticket] = relationship(back_populates="petition_reviews")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])

    @property
    def stage_title(self) -> str:
        return PetitionReviewStage(self.stage).title

    @property
    def decision_title(self) -> str:
        if self.withdrawn_at is not None:
            return "已撤销登记"
        return PetitionReviewDecision(self.decision).title if self.decision else "待出具意见"

    @property
    def is_open(self) -> bool:
        return self.decision is None and self.withdrawn_at is None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class InternalNote(db.Model):
    """内部备注: for the people who work the ticket; the citizen never sees it."""

    __tablename__ = "internal_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    content: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()


class TicketAttachment(db.Model):
    """附件: a file kept with a ticket (a citizen's receipts, a department's 办理材料, a scanned letter).

    The bytes live on disk under ATTACHMENT_DIR as ``stored_name``; the row says what they are.
    Removal hides the file from the ticket and keeps both, so the record of what was there stays.
    """

    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    original_name: Mapped[str] = mapped_column(sa.String(200))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # holds the caller's identity (an ID card, a signed letter): shown only to those who may see the caller
    identifies_caller: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    # sent with this reply (随答复发送): the submitting channel may fetch it (GET /channel/tickets/{ref}/attachments/{id})
    reply_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reply.id"), index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")
    reply: Mapped[Reply | None] = relationship(back_populates="attachments")
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])

    @property
    def size_label(self) -> str:
        if self.size_bytes < 1024:
            return f"{self.size_bytes} B"
        if self.size_bytes < 1024 * 1024:
            return f"{self.size_bytes / 1024:.0f} KB"
        return f"{self.size_bytes / 1024 / 1024:.1f} MB"


class TicketNumberCounter(db.Model):
    """One row per local day; incremented atomically to number tickets."""

    __tablename__ = "ticket_number_counter"

    day: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class CategoryLabel(db.Model):
    """A person set or confirmed a ticket's category: a labelled example for retraining."""

    __tablename__ = "category_label"
    __table_args__ = (sa.Index("ix_category_label_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    suggested_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    from_category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id"))
    to_category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"))
    model_version: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()
    user: Mapped[User | None] = relationship()
    suggested_category: Mapped[Category | None] = relationship(foreign_keys=[suggested_category_id])
    from_category: Mapped[Category | None] = relationship(foreign_keys=[from_category_id])
    to_category: Mapped[Category] = relationship(foreign_keys=[to_category_id])

    @property
    def accepted_suggestion(self) -> bool:
        return self.suggested_category_id == self.to_category_id

