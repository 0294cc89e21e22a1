"""Demo data: users for every role and a few hundred tickets in every state over the last three months.

Tickets are driven through the same lifecycle services as real ones, so every
page shows something real on first start. Deterministic (fixed seed), and
idempotent: a second run finds the demo tickets and adds nothing.
"""
from __future__ import annotations

import csv
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Category, Channel, Department, Role, Ticket, TicketStatus, User
from ticketing.services import (
    announcements, assessment, assists, duplicates, inbox, invalid_calls, notices, petition_reviews, privacy, reviews, routing,
    sign_in, tickets,
)
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import DomainError

CORPUS_DIR = Path(__file__).resolve().parents[2] / "classifiers" / "data" / "corpus"
#: the channels the demo's tickets come from (the random walks' outcomes, which the tests and the browser tests start
#: from, depend on this list; the national and provincial bureaus' mailboxes are not drawn)
DEMO_CHANNELS = ("hotline_12393", "transfer_12345", "mailbox_director", "mailbox_mayor", "mailbox_secretary",
                 "people_daily", "gov_supervision", "gov_platform", "petition_bureau", "wechat", "letter", "visit")
DEMO_CHANNEL = Channel.MAILBOX_DIRECTOR.value  # demo tickets carry an external id "demo-N" on this channel
FALLBACK_TEXTS = {
    "CB": "来电人反映去年灵活就业断缴了三个月，想咨询现在能不能补缴，补缴后待遇从什么时候开始享受。",
    "DY": "市民来电咨询住院报销比例，在县医院住院花了两万多，出院结算只报了一半，问起付线是多少。",
    "YD": "来电人称父亲在外省随子女居住，想办理异地就医备案，问线上怎么备案、能不能直接结算。",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
DEMO_DAYS = 90  # demo tickets are received over this many days before now
REGIONS = ["新城区", "回民区", "玉泉区", "赛罕区", "土默特左旗", "托克托县", "和林格尔县", "武川县", None]


@dataclass
class DemoAccount:
    username: str
    display_name: str
    role: str
    department_code: str | None
    password: str


def demo_accounts(session: Session) -> list[tuple[str, str, str, str | None]]:
    accounts = [("admin", "系统管理员", Role.ADMIN.value, None),
                ("supervisor", "赵班长", Role.SUPERVISOR.value, None),
                ("agent", "话务员小李", Role.AGENT.value, None),
                ("agent2", "话务员小周", Role.AGENT.value, None)]
    for department in session.scalars(sa.select(Department).order_by(Department.id)):
        accounts.append((f"staff_{department.code.lower()}", f"{department.name}承办人", Role.STAFF.value, department.code))
        if department.code == "DYBZ":  # a colleague, so 经办人, 转交 and 经办人工作量 have someone to show
            accounts.append(("staff_dybz2", "待遇保障科经办人小陈", Role.STAFF.value, department.code))
    return accounts


def not_a_demo_database(session: Session) -> str | None:
    """Why demo data must not go into this database, or None: it has accounts or tickets but none of the demo's
    tickets, so it is a centre's own (``make run`` with a production DATABASE_URL still in the shell wrote 17 demo
    accounts with their passwords and 376 invented citizens into one)."""
    if session.scalar(sa.select(Ticket.id).where(Ticket.channel == DEMO_CHANNEL, Ticket.external_id == "demo-1")):
        return None
    users = session.scalar(sa.select(sa.func.count()).select_from(User)) or 0
    tickets_ = session.scalar(sa.select(sa.func.count()).select_from(Ticket)) or 0
    if not users and not tickets_:
        return None
    return f"该数据库已有 {users} 个账号、{tickets_} 件工单，且不是演示数据库"


def _random_password(username: str) -> str:
    """One that meets the password rule: a random one that did not (all letters) was to be changed at first sign-in."""
    secret = secrets.token_urlsafe(9)
    while sign_in.password_error(secret, username):
        secret = secrets.token_urlsafe(9)
    return secret


def ensure_demo_users(session: Session, password: str | None = None) -> list[DemoAccount]:
    """Create missing demo users; returns those created with their (random unless given) passwords."""
    created = []
    departments = {d.code: d for d in session.scalars(sa.select(Department))}
    for username, name, role, department_code in demo_accounts(session):
        if session.scalar(sa.select(User).where(User.username == username)) is not None:
            continue
        secret = password or _random_password(username)
        user = User(username=username, display_name=name, role=role,
                    department=departments.get(department_code) if department_code else None)
        user.set_password(secret)
        session.add(user)
        created.append(DemoAccount(username, name, role, department_code, secret))
    session.flush()
    return created


def load_texts() -> dict[str, list[tuple[str, str]]]:
    texts: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(CORPUS_DIR.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                texts.setdefault(row["label"], []).append((row["text"], row.get("type") or "consult"))
    if not texts:
        texts = {code: [(text, "consult")] for code, text in FALLBACK_TEXTS.items()}
    return texts


def seed_demo_tickets(session: Session, *, now: datetime, count: int = 360, seed: int = 12393,
                      classifier=None) -> int:
    """Create `count` demo tickets unless they exist; returns how many were created.

    The agent chooses each demo ticket's category; with a classifier, the model's suggestion is
    stored beside it, as at a real call, and the choice is recorded against it (kept or corrected).
    """
    if session.scalar(sa.select(Ticket.id).where(Ticket.channel == DEMO_CHANNEL, Ticket.external_id == "demo-1")):
        return 0
    rng = random.Random(seed)
    texts = load_texts()
    codes = sorted(texts)
    users = {u.username: u for u in session.scalars(sa.select(User))}
    staff_by_department = {}  # the department's first demo user does its work; a colleague gets 转交 below
    for user in sorted(users.values(), key=lambda u: u.id):
        if user.role == Role.STAFF.value:
            staff_by_department.setdefault(user.department_id, user)
    agent, supervisor = users.get("agent"), users.get("supervisor")
    departments = list(session.scalars(sa.select(Department)))
    categories = {c.code: c for c in session.scalars(sa.select(Category))}
    created = 0
    due_a_duplicate = False
    for n in range(1, count + 1):
        code = rng.choice(codes)
        text, ticket_type = rng.choice(texts[code])
        received = now - timedelta(days=DEMO_DAYS * rng.random() ** 1.8, minutes=rng.randint(0, 600))  # busier lately
        channel = rng.choice([Channel.HOTLINE_12393.value] * 6 + list(DEMO_CHANNELS))
        data = tickets.TicketInput(
            channel=channel, external_id=f"demo-{n}" if n == 1 or channel != Channel.HOTLINE_12393.value else None,
            type=ticket_type, urgency="urgent" if rng.random() < 0.05 else "normal",
            content=text, caller_name=rng.choice(SURNAMES) + rng.choice(["先生", "女士", "某某"]),
            caller_phone=f"1{rng.choice('3578')}{rng.randint(100000000, 999999999)}",
            region=rng.choice(REGIONS), received_at=received, category_code=code,
        )
        if n == 1:
            data.channel = DEMO_CHANNEL
        fate = rng.random()
        waits_for_agent = fate < 0.2  # stays in triage, answered on the spot or told the legal channel
        ticket = tickets.register_ticket(session, data, actor=agent, now=received, classifier=classifier,
                                         route_now=not waits_for_agent).ticket
        created += 1
        _advance(session, ticket, rng, now=now, agent=agent, supervisor=supervisor,
                 staff_by_department=staff_by_department, departments=departments, categories=categories)
        due_a_duplicate = due_a_duplicate or n % 40 == 0
        if due_a_duplicate and ticket.status in duplicates.MERGEABLE:  # a closed one takes no duplicate
            created += _duplicate_and_merge(session, ticket, data, agent=agent, now=now)
            due_a_duplicate = False
    session.flush()
    created += _plant_hotspot(session, now=now, agent=agent, classifier=classifier)
    created += _plant_risk_call(session, now=now, classifier=classifier)
    if supervisor is not None:
        _announce(session, now=now, supervisor=supervisor)
    if agent is not None:
        _invalid_calls(session, now=now, agent=agent)
    _review_some(session, now=now, agent=agent, supervisor=supervisor, admin=users.get("admin"))
    _show_rare_states(session, now=now, agent=agent, staff_by_department=staff_by_department)
    if agent is not None:
        created += _keep_work_in_hand(session, now=now, agent=agent, staff_by_department=staff_by_department,
                                      texts=texts, rng=rng, classifier=classifier)
    if agent is not None:
        created += _keep_some_overdue(session, now=now, agent=agent, staff_by_department=staff_by_department,
                                      classifier=classifier)
    if supervisor is not None:
        _owe_a_notice(session, now=now, supervisor=supervisor, staff_by_department=staff_by_department)
        _contest_a_petition(session, now=now, supervisor=supervisor)
    _hand_over_some(session, now=now, users=users)
    _ask_for_assistance(session, now=now, users=users)
    if supervisor is not None:
        issue_past_months(session, now=now, since=now - timedelta(days=DEMO_DAYS), supervisor=supervisor)
    return created


def issue_past_months(session: Session, *, now: datetime, since: datetime, supervisor: User) -> list[str]:
    """As a centre would have: every month before last issued, so 较上月 has something to compare with.

    Last month stays live (not issued): its contests may still be filed in the first days of this one.
    """
    month, last_month = assessment.month_of(since), assessment.shift_month(assessment.month_of(now), -1)
    issued = []
    while month < last_month:
        if assessment.issued_report(session, month) is None:
            assessment.issue_month(session, month, actor=supervisor, now=now)
            issued.append(month)
        month = assessment.shift_month(month, 1)
    return issued


def _show_rare_states(session, *, now, agent, staff_by_department) -> None:
    """Every state is on show whatever the date: the rare ones chance may have missed are made on purpose.

    Whether the random walks reach them depends on the date `now` falls on: a return waiting for review
    (about 2 % of walks) was there on 2 Dec 2026 and missing on 3 Dec, and a transfer to 12345 is as rare.
    """
    def newest_dispatched(*conditions):
        return session.scalars(sa.select(Ticket).where(Ticket.status == TicketStatus.DISPATCHED.value, *conditions)
                               .order_by(Ticket.dispatched_at.desc(), Ticket.id.desc()))

    def exists(status: TicketStatus) -> bool:
        return session.scalar(sa.select(Ticket.id).where(Ticket.status == status.value).limit(1)) is not None

    if not exists(TicketStatus.RETURN_REQUESTED):
        for ticket in newest_dispatched(Ticket.designated.is_(False)):
            staff = staff_by_department.get(ticket.department_id)
            if staff is None:
                continue
            try:
                tickets.return_ticket(session, ticket, "该事项不属于本单位职责，请改派。", actor=staff,
                                      now=min(now - timedelta(minutes=1), ticket.dispatched_at + timedelta(hours=2)))
                break
            except DomainError:
                continue
    if not exists(TicketStatus.TRANSFERRED_OUT) and agent is not None:
        for ticket in newest_dispatched():
            if ticket.category is not None and ticket.category.code == "QT":
                tickets.transfer_out(session, ticket, f"12345-{ticket.received_at:%Y%m%d}-0001", actor=agent,
                                     now=min(now - timedelta(minutes=1), ticket.dispatched_at + timedelta(hours=1)),
                                     note="非医保事项，转 12345 办理")
                break
    session.flush()


OVERDUE_SHOWN = 3  # tickets past their deadline the demo always has (督办's 已超期 and 批量督办 start from them)
OVERDUE_LETTERS = (
    "来电人反映上月母亲住院的手工报销材料交到医保窗口已一个多月，至今没有到账，也没人告知进度，要求尽快办理。",
    "来电人投诉：去年在外省住院的费用回参保地报销，材料齐全却被要求反复补充，已经跑了三趟，要求给个明确答复。",
    "市民反映门诊慢特病待遇认定申请提交后迟迟没有结果，药一直自费购买，希望尽快认定并补报之前的费用。",
)


def _keep_some_overdue(session, *, now, agent, staff_by_department, classifier) -> int:
    """Work past its deadline whatever the date and hour: the random walks leave one or none at some times (one at
    06:20 on 4 Dec 2026 with 80 tickets). Complaints received a month ago, accepted by 待遇保障科 and not yet
    answered, as many as are missing."""
    overdue = session.scalar(sa.select(sa.func.count(Ticket.id)).where(inbox.overdue_condition(now))) or 0
    department = session.scalar(sa.select(Department).where(Department.code == "DYBZ"))
    staff = staff_by_department.get(department.id) if department is not None else None
    if staff is None:
        return 0
    missing = max(0, OVERDUE_SHOWN - overdue)
    for n, text in enumerate(OVERDUE_LETTERS[:missing], start=1):
        received = now - timedelta(days=30 + n, hours=n)
        data = tickets.TicketInput(channel=Channel.HOTLINE_12393.value, type="complaint", content=text,
                                   caller_name=SURNAMES[n] + "女士", caller_phone=f"1390471{n:04d}", region=REGIONS[n],
                                   received_at=received, category_code="DY")
        ticket = tickets.register_ticket(session, data, actor=agent, now=received, classifier=classifier,
                                         route_now=False).ticket
        tickets.dispatch(session, ticket, department, actor=agent, now=received + timedelta(minutes=20))
        tickets.accept(session, ticket, actor=staff, now=received + timedelta(hours=3))
    session.flush()
    return missing


def _owe_a_notice(session, *, now, supervisor, staff_by_department) -> None:
    """An approved extension not yet told to the citizen (待告知), whatever the date: the random walks leave one
    only on some days (none on 4 Dec 2026 with 80 tickets). The newest accepted ticket not yet overdue (the overdue
    ones stay overdue for 督办) has its extension approved, or asked for and approved."""
    if session.scalar(sa.select(Ticket.id).where(inbox.notices_owed_condition()).limit(1)) is not None:
        return
    for ticket in session.scalars(sa.select(Ticket).where(Ticket.status == TicketStatus.ACCEPTED.value,
                                                          Ticket.reply_due_at > now)
                                  .order_by(Ticket.extension_state.is_(None), Ticket.accepted_at.desc(), Ticket.id)):
        staff = staff_by_department.get(ticket.department_id)
        if staff is None or ticket.reply_due_at is None:
            continue
        at = max(ticket.accepted_at, now - timedelta(hours=2))
        if ticket.extension_state != "requested":
            tickets.request_extension(session, ticket, "需要调取外地医院病历，申请延期。",
                                      ticket.reply_due_at + timedelta(days=7), actor=staff, now=at)
        tickets.approve_extension(session, ticket, actor=supervisor, now=max(at, min(at + timedelta(minutes=30), now)),
                                  note="同意延期，请告知来电人。")
        break
    session.flush()


def _contest_a_petition(session, *, now, supervisor) -> None:
    """A petitioner who did not accept the answer asks for 复查 (信访复查、复核 on 督办 and the ticket's page): the
    latest petition answered by a department within the last 25 days, when there is one."""
    for ticket in session.scalars(sa.select(Ticket).where(
            Ticket.channel == Channel.PETITION_BUREAU.value, Ticket.replied_at > now - timedelta(days=25),
            Ticket.status.in_((TicketStatus.REPLIED.value, TicketStatus.CALLED_BACK.value, TicketStatus.CLOSED.value)))
            .order_by(Ticket.replied_at.desc(), Ticket.id)):
        if petition_reviews.may_request(ticket):
            petition_reviews.request_review(
                session, ticket, reviewing_body="省医疗保障局", reason="信访人对处理意见不服，认为报销金额计算有误，请求复查。",
                requested_on=None, answer_received_on=None, actor=supervisor, now=now)
            break
    session.flush()


def _hand_over_some(session, *, now, users) -> None:
    """The colleague (staff_dybz2) takes over every other one of 待遇保障科's accepted tickets, as if covering a
    leave; the first stays with staff_dybz."""
    colleague, main = users.get("staff_dybz2"), users.get("staff_dybz")
    if colleague is None or main is None:
        return
    accepted = session.scalars(sa.select(Ticket).where(Ticket.department_id == main.department_id,
                                                       Ticket.status == TicketStatus.ACCEPTED.value,
                                                       Ticket.handler_id == main.id).order_by(Ticket.id)).all()
    if len(accepted) < 2:  # the random walks left too few to show a hand-over (it depends on the date): take waiting ones
        waiting = session.scalars(sa.select(Ticket).where(Ticket.department_id == main.department_id,
                                                          Ticket.status == TicketStatus.DISPATCHED.value)
                                  .order_by(Ticket.id).limit(2 - len(accepted))).all()
        for ticket in waiting:
            tickets.accept(session, ticket, actor=main, now=max(ticket.dispatched_at, now - timedelta(minutes=10)))
            accepted.append(ticket)
    for ticket in accepted[1::2]:
        tickets.hand_over(session, ticket, colleague, actor=main, now=max(ticket.accepted_at, now - timedelta(minutes=5)),
                          note="休假期间请同事代办")
    session.flush()


def _duplicate_and_merge(session, ticket, data, *, agent, now) -> int:
    """The same caller rings again about the same matter: registered, then merged into the first ticket."""
    again = tickets.TicketInput(**{**data.__dict__, "external_id": None, "category_code": None,
                                   "received_at": min(now, ticket.received_at + timedelta(hours=3))})
    duplicate = tickets.register_ticket(session, again, actor=agent, now=again.received_at, route_now=False).ticket
    tickets.merge(session, duplicate, ticket, actor=agent, now=again.received_at + timedelta(minutes=2),
                  note="同一来电人同一事项，合并计一件")
    return 1


#: 热点诉求 for the demo: six callers over the last two days about one pharmacy's settlement failing, each in
#: their own words (services/hotspots.py groups them)
HOTSPOT_CALLS = [
    ("王女士", "来电人反映：今天在赛罕区大学路的康佳大药房用医保电子凭证扫码买药，结算时提示参保状态异常，无法使用医保，"
              "本人单位一直正常缴费，要求核实处理。"),
    ("李先生", "市民来电称：在赛罕区康佳大药房用医保电子凭证结算，系统提示参保状态异常，不能走医保，但自己参保缴费正常，请尽快核查。"),
    ("张女士", "来电人在赛罕区康佳大药房买药时扫医保电子凭证，提示参保状态异常无法结算，只能自费，询问是什么原因。"),
    ("刘先生", "反映赛罕区康佳大药房医保电子凭证扫码结算提示参保状态异常，已经连续两天不能用医保买药，希望相关部门处理。"),
    ("陈女士", "来电人称在赛罕区康佳大药房出示医保电子凭证，收银员说系统显示参保状态异常结算不了，本人查询参保记录是正常的，要求解决。"),
    ("杨先生", "家里老人在赛罕区康佳大药房用医保电子凭证结算时提示参保状态异常，药没买成，来电要求核实是不是系统问题。"),
]


def _review_some(session, *, now, agent, supervisor, admin) -> None:
    """工单质检 for the demo: the supervisor has checked four of the agent's tickets of this month, one short,
    which the agent appealed (质检申诉) and the administrator upheld."""
    if agent is None or supervisor is None:
        return
    month = now.astimezone(LOCAL_TZ).strftime("%Y-%m")
    for n, ticket in enumerate(session.scalars(reviews.reviewable_query(agent, month).limit(4))):
        verdicts = {key: not (n == 1 and key == "caller") for key in reviews.applicable_items(session, ticket)}
        review = reviews.record_review(session, ticket, verdicts, "未记录来电人所属区县，请补问。" if n == 1 else "",
                                       reviewer=supervisor, now=now - timedelta(hours=4 - n))
        if n == 1 and admin is not None:  # the agent appealed, and the administrator upheld the review
            appeal = reviews.file_appeal(session, review, "来电人不愿说住在哪个区，已经问过了。", agent=agent,
                                         now=now - timedelta(hours=2))
            reviews.decide_appeal(session, appeal, "upheld", "来电人不愿说时应在记录中注明“拒绝提供”。",
                                  verdicts={}, comment="", decider=admin, now=now - timedelta(hours=1))


def _plant_hotspot(session, *, now, agent, classifier) -> int:
    """Register HOTSPOT_CALLS as six callers' tickets in the last two days, routed as the model or the rules say."""
    for n, (name, text) in enumerate(HOTSPOT_CALLS):
        received = now - timedelta(hours=44 - 8 * n)
        data = tickets.TicketInput(channel=Channel.HOTLINE_12393.value, type="complaint" if n % 2 else "help",
                                   content=text, caller_name=name, caller_phone=f"1390471{n:04d}", region="赛罕区",
                                   received_at=received, category_code="DD")
        tickets.register_ticket(session, data, actor=agent, now=received, classifier=classifier)
    return len(HOTSPOT_CALLS)


RISK_LETTER = ("我父亲在市医院重症监护室已经住了十天，异地就医备案一直办不下来，医院天天催押金，"
               "家里能借的都借了。再没有人管，我们只能去市政府门口拉横幅了。")


IN_HAND = {"triage": 3, "DYBZ": 4}  # categorised calls waiting in 待派发; 待遇保障科's tickets in hand, one accepted


def _keep_work_in_hand(session, *, now, agent, staff_by_department, texts, rng, classifier) -> int:
    """What the pages start from, whatever the random walks left: categorised calls waiting in 待派发 (批量派发), a
    transfer to 12345, and 待遇保障科 holding tickets, one of them accepted (协办 is asked on them) and one left
    unaccepted past its deadline (a contest needs a ticket that counts against the department). The walks follow the corpus's texts, so a
    corpus round that joined it once left 待派发 with nothing to tick and 待遇保障科 with nothing in hand."""
    def call(code: str, hours_ago: float) -> Ticket:
        text, ticket_type = rng.choice(texts[code])
        received = now - timedelta(hours=hours_ago)
        data = tickets.TicketInput(channel=Channel.HOTLINE_12393.value, type=ticket_type, content=text,
                                   caller_name=rng.choice(SURNAMES) + "女士", caller_phone=f"1390471{rng.randint(1000, 9999)}",
                                   region=rng.choice(REGIONS), received_at=received, category_code=code)
        return tickets.register_ticket(session, data, actor=agent, now=received, classifier=classifier,
                                       route_now=False).ticket

    created = 0
    waiting = session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(
        Ticket.status == TicketStatus.REGISTERED.value, Ticket.category_id.is_not(None)))
    for n in range(max(0, IN_HAND["triage"] - waiting)):
        call(rng.choice(sorted(texts)), 1 + n)
        created += 1
    transferred = session.scalar(sa.select(Ticket.id).where(Ticket.status == TicketStatus.TRANSFERRED_OUT.value).limit(1))
    rxzx = tickets.department_by_code(session, "RXZX")
    if transferred is None and rxzx is not None and "QT" in texts:  # none of the walks' QT tickets was dispatched
        ticket = call("QT", 20)
        tickets.dispatch(session, ticket, rxzx, actor=agent, now=ticket.received_at + timedelta(minutes=20),
                         reason="按分类派发")
        tickets.transfer_out(session, ticket, f"12345-{ticket.received_at:%Y%m%d}-0001", actor=agent,
                             now=ticket.received_at + timedelta(hours=1), note="非医保事项，转 12345 办理")
        created += 1
    dybz = tickets.department_by_code(session, "DYBZ")
    staff = staff_by_department.get(dybz.id) if dybz is not None else None
    if staff is None:
        return created
    held = session.scalars(sa.select(Ticket).where(
        Ticket.department_id == dybz.id,
        Ticket.status.in_((TicketStatus.DISPATCHED.value, TicketStatus.ACCEPTED.value)))).all()
    accepted = any(t.status == TicketStatus.ACCEPTED.value for t in held)
    for n in range(max(0, IN_HAND["DYBZ"] - len(held), 0 if accepted else 1)):
        ticket = call(rng.choice(["DY", "MT", "SY", "ZH"]), 30 - 6 * n)
        tickets.dispatch(session, ticket, dybz, actor=agent, now=ticket.received_at + timedelta(minutes=20),
                         reason="按分类派发")
        if n == 0 and not accepted:
            tickets.accept(session, ticket, actor=staff, now=ticket.received_at + timedelta(hours=2))
        created += 1
    # one left unaccepted past its deadline, in a month not yet issued: something for 申诉/核减 to contest
    if not any(t.status == TicketStatus.DISPATCHED.value and t.accept_due_at and t.accept_due_at < now for t in held):
        ticket = call(rng.choice(["DY", "MT", "SY", "ZH"]), 20 * 24)
        tickets.dispatch(session, ticket, dybz, actor=agent, now=ticket.received_at + timedelta(minutes=20),
                         reason="按分类派发")
        created += 1
    session.flush()
    return created


def _plant_risk_call(session, *, now, classifier) -> int:
    """A mayor's-mailbox letter this morning with a 风险提示 (危重病人, 群体性), waiting in 待派发 for a decision."""
    received = now - timedelta(hours=2)
    data = tickets.TicketInput(channel=Channel.MAILBOX_MAYOR.value, external_id="demo-risk-1", type="help",
                               content=RISK_LETTER, caller_name="赵先生", caller_phone="13904715555",
                               region="回民区", received_at=received)
    tickets.register_ticket(session, data, actor=None, now=received, classifier=classifier)
    return 1


def _ask_for_assistance(session, *, now, users) -> None:
    """协办 on 待遇保障科's tickets still with it: the oldest asked 参保征缴科 soon after it was dispatched, never
    answered (past its deadline on 督办 once old enough); the next asked 医药服务管理科, which answered; the newest
    asks 参保征缴科 now (its 协办 tab has one to answer)."""
    main, cbzj, yyfw = users.get("staff_dybz"), users.get("staff_cbzj"), users.get("staff_yyfw")
    if main is None or cbzj is None or yyfw is None:
        return
    held = session.scalars(sa.select(Ticket).where(
        Ticket.department_id == main.department_id,
        Ticket.status.in_((TicketStatus.DISPATCHED.value, TicketStatus.ACCEPTED.value)))
        .order_by(Ticket.dispatched_at, Ticket.id)).all()
    if len(held) < 3:
        return
    first, second, newest = held[0], held[1], held[-1]
    asked = ((first, cbzj.department, "请核实来电人近两年的参保缴费记录，是否存在断缴", first.dispatched_at + timedelta(hours=3)),
             (second, yyfw.department, "请核实来电人就诊的定点医疗机构当次的医保结算记录",
              second.dispatched_at + timedelta(hours=3)),  # fits any of 待遇保障科's tickets (住院, 生育, 慢特病…)
             (newest, cbzj.department, "请核实单位是否按时为来电人申报缴费基数", now - timedelta(hours=2)))
    for ticket, department, request, at in asked:
        at = min(max(at, ticket.accepted_at or ticket.dispatched_at), now - timedelta(minutes=30))
        assists.request_assist(session, ticket, department, request, actor=main, now=at)
    answered_at = min(second.assists[-1].requested_at + timedelta(hours=20), now - timedelta(minutes=20))
    assists.answer_assist(session, second, "经核实，该定点医疗机构当次结算记录与来电人所述一致，结算明细已反馈待遇保障科。",
                          actor=yyfw, now=answered_at)
    session.flush()


def _announce(session, *, now, supervisor) -> None:
    """Two 通知公告: an important one for agents and departments, and a 口径 reminder for agents."""
    today = now.astimezone(LOCAL_TZ).date()
    announcements.publish(
        session, title="市医院结算系统今日升级，16:00 前无法直接结算",
        content="市医院医保结算系统今日升级。来电反映无法直接结算的，请告知可先垫付，凭发票、费用清单到医保经办窗口手工报销；"
                "不必登记为投诉。承办单位接到此类工单按咨询答复。",
        roles=["agent", "staff"], important=True, expires_on=today, actor=supervisor, now=now - timedelta(hours=3))
    announcements.publish(
        session, title="门诊共济口径提醒",
        content="职工医保个人账户可以支付配偶、父母、子女的门诊费用和参加居民医保的个人缴费，需先在医保 App 绑定家庭成员。",
        roles=["agent"], important=False, expires_on=None, actor=supervisor, now=now - timedelta(days=2))


def _invalid_calls(session, *, now, agent) -> None:
    """无效来电 of the last days, one number among them ringing to harass three times (named on the call form)."""
    for hours, kind, phone in ((5, "nuisance", "13804710000"), (29, "nuisance", "13804710000"),
                               (53, "nuisance", "13804710000"), (2, "silent", None), (26, "wrong_number", None),
                               (50, "other_hotline", None)):
        invalid_calls.record(session, kind=kind, phone=phone, call_reference=None, note="", actor=agent,
                             now=now - timedelta(hours=hours))


def _follow_up(session, ticket, *, agent, now) -> None:
    """The caller rings again to ask how it goes (来电催办); at a time derived without a random draw, so that
    the rest of the walk is the same as without it."""
    tickets.record_follow_up(session, ticket, "来电人再次来电询问办理进度，称尚未接到承办单位联系，希望尽快答复。",
                             actor=agent, now=now)


def _advance(session, ticket, rng, *, now, agent, supervisor, staff_by_department, departments, categories):
    """Walk a ticket some way along its life, each step at a plausible time before now."""
    t = ticket.received_at
    age_hours = (now - t).total_seconds() / 3600

    def step(hours_max: float) -> datetime:
        nonlocal t
        t = min(now - timedelta(minutes=1), t + timedelta(hours=rng.uniform(0.2, hours_max)))
        return t

    target = rng.random()
    if age_hours > 24 * 12 and rng.random() < 0.9:
        target = max(target, 0.6)  # older tickets are mostly finished; a few stay overdue
    try:
        if ticket.status == TicketStatus.REGISTERED.value and ticket.type == "consult" and target < 0.5:
            tickets.answer_on_the_spot(session, ticket, "已按政策口径当场答复来电人。", actor=agent, now=step(0.3))
            return
        if ticket.status == TicketStatus.REGISTERED.value and target < 0.2:
            tickets.tell_legal_channel(session, ticket, "该事项属劳动争议，已告知来电人向劳动人事争议仲裁委员会申请仲裁。",
                                       actor=agent, now=step(0.5))
            return
        if ticket.status == TicketStatus.REGISTERED.value:
            if age_hours < 48:
                return  # still in the triage queue
            decision = routing.route(session, category=ticket.category, region=ticket.region,
                                     channel=ticket.channel, ticket_type=ticket.type)
            tickets.dispatch(session, ticket, decision.department, actor=agent, now=step(3), reason=decision.reason)
        if ticket.category is not None and ticket.category.code == "QT" and target < 0.5 \
                and ticket.status == TicketStatus.DISPATCHED.value:
            if ticket.transfers_back_to_petition_office:
                tickets.transfer_out(session, ticket, f"医保函〔{ticket.received_at:%Y}〕{rng.randint(10, 99)}号",
                                     actor=agent, now=step(2), note="不属于医保部门职责，退回信访部门")
            else:
                tickets.transfer_out(session, ticket, f"12345-{ticket.received_at:%Y%m%d}-{rng.randint(1000, 9999)}",
                                     actor=agent, now=step(2), note="非医保事项，转 12345 办理")
            return
        staff = staff_by_department.get(ticket.department_id)
        if staff is None or ticket.status != TicketStatus.DISPATCHED.value:
            return
        if target < 0.16 or age_hours < 24:
            if target >= 0.08 and age_hours > 72:
                _follow_up(session, ticket, agent=agent, now=min(now - timedelta(minutes=1), t + timedelta(hours=60)))
            return  # waiting to be accepted
        if target < 0.2 and not ticket.designated:
            tickets.return_ticket(session, ticket, "该事项不属于本单位职责，请改派。", actor=staff, now=step(6))
            if target < 0.18:
                return  # waits for review
            other = rng.choice([d for d in departments if d.id != ticket.department_id])
            tickets.approve_return(session, ticket, other, actor=agent, now=step(4), note="同意退回，改派。")
            staff = staff_by_department.get(ticket.department_id)
            if staff is None:
                return
        tickets.accept(session, ticket, actor=staff, now=step(30))
        teller = staff if privacy.may_see_caller(session, staff, ticket) else agent  # a reporter is told by the centre
        if ticket.channel == Channel.PETITION_BUREAU.value and (target >= 0.3 or age_hours > 24 * 15):
            notices.record_contact(session, ticket, purpose="acceptance", method="letter", reached=True,
                                   note="已邮寄信访事项受理告知书。", actor=teller, now=step(60))
        if target < 0.34:
            if target < 0.26:
                tickets.urge(session, ticket, "请加快办理，按时答复群众。", actor=supervisor, now=step(24))
            if target < 0.30:
                until = ticket.reply_due_at + timedelta(days=7)
                tickets.request_extension(session, ticket, "需要调取外地医院病历，申请延期。", until, actor=staff, now=step(24))
                if target >= 0.27:  # approved, and the citizen not told yet: 待告知
                    tickets.approve_extension(session, ticket, actor=supervisor, now=step(8), note="同意延期，请告知来电人。")
                    return
            if age_hours < 24 * 12:
                if target >= 0.31:
                    _follow_up(session, ticket, agent=agent, now=min(now - timedelta(minutes=1), t + timedelta(hours=30)))
                return  # being handled
            if ticket.extension_state == "requested":
                tickets.approve_extension(session, ticket, actor=supervisor, now=step(8), note="同意延期，请告知来电人。")
                notices.record_contact(session, ticket, purpose="extension", method="phone", reached=True,
                                       note="已电话告知来电人延期及新的办理时限。", actor=teller, now=step(30))
        tickets.reply(session, ticket, "经核实，已按政策为您办理，如有疑问请拨打12393。", actor=staff, now=step(rng.choice([20, 60, 200])))
        if target < 0.5:
            return  # replied, maybe waiting for a callback
        if ticket.needs_callback or target < 0.7:
            reached = rng.random() < 0.85
            satisfaction = rng.choice(["satisfied"] * 6 + ["basically_satisfied"] * 3 + ["dissatisfied"]) if reached else None
            solved = (satisfaction != "dissatisfied" and rng.random() < 0.9) if reached else None
            tickets.record_callback(session, ticket, reached=reached, satisfaction=satisfaction, solved=solved,
                                    note="", actor=agent, now=step(30),
                                    reopen_if_unhappy=bool(reached and not solved and rng.random() < 0.4))
            if ticket.status == TicketStatus.DISPATCHED.value and age_hours > 24 * 12:  # reopened and handled again
                tickets.accept(session, ticket, actor=staff, now=step(20))
                tickets.reply(session, ticket, "重办后已再次核实并答复来电人。", actor=staff, now=step(60))
                return
            if ticket.status != TicketStatus.CALLED_BACK.value:
                return
        if target < 0.6:
            return
        tickets.close(session, ticket, actor=agent, now=step(8),
                      note="诉求超出政策规定，已向来电人解释，不予重办" if ticket.left_unhappy else "")
    except DomainError:
        return  # a step the state machine refused (e.g. outside the return window): leave it there
