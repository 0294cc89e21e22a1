"""通知公告: a supervisor or administrator tells the centre's people something that changes how they work today (a
policy's new 口径, a hospital's settlement outage, the holiday duty roster), to chosen roles, until it expires or
is withdrawn. Each reader marks it read (已阅); the author sees who has and who has not. An important one (重要)
stays atop every page of each reader until they have, and every unread one counts in the reader's 待处理.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticketing.models import Announcement, AnnouncementRead, Department, Role, User
from ticketing.services import audit
from ticketing.services.deadlines import LOCAL_TZ
from ticketing.services.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from ticketing.services.validation import year_error
from ticketing.services.workflow import RESUBMITTED_WITHIN

PUBLISHERS = frozenset({Role.SUPERVISOR, Role.ADMIN})
TITLE_MAX, CONTENT_MAX = 100, 5000
BANNER_SHOWN = 3  # important unread announcements named atop a page; the rest are counted
#: shown this many days when no last day is given: a notice is for now; what stays true belongs in 知识库
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Receipt:
    user: User
    read_at: datetime | None


def can_publish(user: User) -> bool:
    return user.role_enum in PUBLISHERS


def publish(session: Session, *, title: str, content: str, roles: list[str], important: bool,
            expires_on: date | None, actor: User, now: datetime, departments: list[str] = ()) -> Announcement:
    """A new announcement, in force from now; ``expires_on`` is the last local day it is shown (by default the
    DEFAULT_DAYS-th day from today). ``departments`` (codes): only those departments' staff read it, when staff are
    among the roles."""
    if not can_publish(actor):
        raise NotAllowed("只有督办班长和系统管理员可以发布通知公告")
    title, content = (title or "").strip(), (content or "").strip()
    errors = {}
    if not title:
        errors["title"] = "请填写标题"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题最多 {TITLE_MAX} 字"
    if not content:
        errors["content"] = "请填写内容"
    elif len(content) > CONTENT_MAX:
        errors["content"] = f"内容最多 {CONTENT_MAX} 字"
    asked = set(roles or [])
    chosen = [role.value for role in Role if role.value in asked]
    if not chosen or len(chosen) != len(asked):
        errors["roles"] = "请选择发给哪些人员"
    if expires_on is not None and expires_on < now.astimezone(LOCAL_TZ).date():
        errors["expires_on"] = "截止日期不能早于今天"
    elif expires_on is not None and year_error(expires_on):
        errors["expires_on"] = year_error(expires_on)
    units = list(session.scalars(sa.select(Department).where(Department.code.in_(list(departments or ())))
                                 .order_by(Department.id)))
    if len(units) != len(set(departments or ())):
        errors["departments"] = "所选承办单位不存在"
    elif units and Role.STAFF.value not in chosen:
        errors["departments"] = "选了承办单位，请在“发给”中选上承办人员"
    if errors:
        raise ValidationFailed("通知公告未发布，请按提示修改", fields=errors)
    same = session.scalar(sa.select(Announcement).where(  # the form sent twice: each reader counted it unread twice
        Announcement.author_id == actor.id, Announcement.title == title, Announcement.content == content,
        Announcement.published_at >= now - RESUBMITTED_WITHIN, Announcement.published_at <= now).limit(1))
    if same is not None:
        return same
    if expires_on is None:
        expires_on = now.astimezone(LOCAL_TZ).date() + timedelta(days=DEFAULT_DAYS - 1)
    announcement = Announcement(
        title=title, content=content, audience="," + ",".join(chosen) + ",", important=bool(important),
        departments="," + ",".join(str(unit.id) for unit in units) + "," if units else None,
        published_at=now, author=actor, expires_at=datetime.combine(expires_on, time.max, LOCAL_TZ))
    session.add(announcement)
    session.flush()
    audit.record(session, actor, "announcement published", now=now, id=announcement.id, title=title,
                 role="、".join(Role(role).title for role in chosen), shown_until=expires_on.isoformat(),
                 **({"departments": "、".join(unit.name for unit in units)} if units else {}))
    return announcement


def withdraw(session: Session, announcement: Announcement, *, actor: User, now: datetime) -> None:
    """撤回: no longer shown to anyone; kept, with its receipts, for the record."""
    if not can_publish(actor):
        raise NotAllowed("只有督办班长和系统管理员可以撤回通知公告")
    if announcement.withdrawn_at is not None:
        raise InvalidTransition("该通知已撤回")
    announcement.withdrawn_at, announcement.withdrawn_by = now, actor
    audit.record(session, actor, "announcement withdrawn", now=now, id=announcement.id, title=announcement.title)


def in_force(now: datetime):
    return sa.and_(Announcement.published_at <= now, Announcement.withdrawn_at.is_(None),
                   sa.or_(Announcement.expires_at.is_(None), Announcement.expires_at > now))


def addressed_to(user: User):
    """SQL for `Announcement.is_for`: the user's role, and for staff their department when departments are named."""
    condition = Announcement.audience.like(f"%,{user.role},%")
    if user.role == Role.STAFF.value:
        own = (Announcement.departments.like(f"%,{user.department_id},%") if user.department_id is not None
               else sa.false())
        condition = sa.and_(condition, sa.or_(Announcement.departments.is_(None), own))
    return condition


def _read_by(user: User):
    return sa.exists().where(AnnouncementRead.announcement_id == Announcement.id, AnnouncementRead.user_id == user.id)


def current_query(user: User, now: datetime) -> sa.Select:
    """What this user is to read now: unread first, the important first among them, then the newest."""
    return (sa.select(Announcement).where(in_force(now), addressed_to(user))
            .order_by(_read_by(user), Announcement.important.desc(), Announcement.published_at.desc(),
                      Announcement.id.desc()))


def read_among(session: Session, user: User, announcement_ids: list[int]) -> set[int]:
    """Which of these announcements the user has marked read (for a page of them)."""
    return set(session.scalars(sa.select(AnnouncementRead.announcement_id).where(
        AnnouncementRead.user_id == user.id, AnnouncementRead.announcement_id.in_(announcement_ids))))


def unread_count(session: Session, user: User, now: datetime) -> int:
    return session.scalar(sa.select(sa.func.count(Announcement.id))
                          .where(in_force(now), addressed_to(user), sa.not_(_read_by(user)))) or 0


def important_unread(session: Session, user: User, now: datetime) -> tuple[list[Announcement], int]:
    """For the banner atop every page: the first few important ones this user has not marked read, and how many."""
    query = (sa.select(Announcement).where(in_force(now), addressed_to(user), Announcement.important.is_(True),
                                           sa.not_(_read_by(user)))
             .order_by(Announcement.published_at.desc(), Announcement.id.desc()))
    shown = list(session.scalars(query.limit(BANNER_SHOWN)))
    total = len(shown) if len(shown) < BANNER_SHOWN else session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    return shown, total


def get_for(session: Session, user: User, announcement_id: int, now: datetime) -> Announcement:
    """One announcement this user may open: one addressed to their role and in force, or any for a publisher."""
    announcement = session.get(Announcement, announcement_id)
    if announcement is None:
        raise NotFound("通知不存在")
    if not can_publish(user) and (not announcement.is_for(user) or announcement.withdrawn_at is not None
                                  or announcement.published_at > now
                                  or (announcement.expires_at is not None and announcement.expires_at <= now)):
        raise NotFound("通知不存在或已撤回")
    return announcement


def has_read(session: Session, announcement: Announcement, user: User) -> bool:
    return session.scalar(sa.select(AnnouncementRead.id).where(
        AnnouncementRead.announcement_id == announcement.id, AnnouncementRead.user_id == user.id)) is not None


def mark_read(session: Session, announcement: Announcement, user: User, now: datetime) -> bool:
    """已阅: recorded once (the first time counts; two tabs at once record one). False when already read."""
    if not announcement.is_for(user):
        raise NotAllowed("这条通知不是发给您的")
    if has_read(session, announcement, user):
        return False
    try:
        with session.begin_nested():
            session.add(AnnouncementRead(announcement_id=announcement.id, user_id=user.id, read_at=now))
    except IntegrityError:  # the same reader's other request recorded it first
        return False
    return True


def mark_all_read(session: Session, user: User, now: datetime) -> int:
    unread = session.scalars(sa.select(Announcement).where(in_force(now), addressed_to(user),
                                                           sa.not_(_read_by(user)))).all()
    return sum(mark_read(session, announcement, user, now) for announcement in unread)


def publisher_query() -> sa.Select:
    """For supervisors and administrators: every announcement, newest first."""
    return sa.select(Announcement).order_by(Announcement.published_at.desc(), Announcement.id.desc())


def read_counts(session: Session, announcement_ids: list[int]) -> dict[int, int]:
    return dict(session.execute(sa.select(AnnouncementRead.announcement_id, sa.func.count(AnnouncementRead.id))
                                .where(AnnouncementRead.announcement_id.in_(announcement_ids))
                                .group_by(AnnouncementRead.announcement_id)).all())


def _readers(announcement: Announcement):
    """SQL over users: the active ones it is addressed to."""
    condition = sa.and_(User.active.is_(True), User.role.in_(announcement.roles))
    if announcement.departments:
        condition = sa.and_(condition, sa.or_(User.role != Role.STAFF.value,
                                              User.department_id.in_(announcement.department_ids)))
    return condition


def audience_size(session: Session, announcement: Announcement) -> int:
    return session.scalar(sa.select(sa.func.count(User.id)).where(_readers(announcement))) or 0


def department_names(session: Session, announcement: Announcement) -> list[str]:
    """The departments whose staff it is for, by name (none: every department's)."""
    if not announcement.departments:
        return []
    return list(session.scalars(sa.select(Department.name).where(Department.id.in_(announcement.department_ids))
                                .order_by(Department.id)))


def receipts(session: Session, announcement: Announcement) -> list[Receipt]:
    """Every active user it is addressed to, those who have not read it first (by name), then by when they read."""
    rows = session.execute(
        sa.select(User, AnnouncementRead.read_at)
        .outerjoin(AnnouncementRead, sa.and_(AnnouncementRead.user_id == User.id,
                                             AnnouncementRead.announcement_id == announcement.id))
        .where(_readers(announcement))
        .order_by(AnnouncementRead.read_at.is_not(None), AnnouncementRead.read_at, User.display_name, User.id)
    ).all()
    return [Receipt(user, read_at) for user, read_at in rows]


def state_of(announcement: Announcement, now: datetime) -> str:
    if announcement.withdrawn_at is not None:
        return "已撤回"
    if announcement.expires_at is not None and announcement.expires_at <= now:
        return "已过期"
    return "生效中"
