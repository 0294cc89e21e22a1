"""Which department a ticket goes to: routing rules first, then the category's default."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ticketing.models import Category, Department, RoutingRule
from ticketing.services.reference_cache import cached


@dataclass(frozen=True)
class RouteDecision:
    department: Department | None
    rule: RoutingRule | None
    reason: str


def rule_matches(rule: RoutingRule, *, category_id, region, channel, ticket_type) -> bool:
    exact = ((rule.category_id, category_id), (rule.channel, channel), (rule.ticket_type, ticket_type))
    if rule.region is None and all(wanted is None for wanted, _ in exact):
        return False  # a rule without conditions would swallow everything
    return (all(wanted is None or wanted == actual for wanted, actual in exact)
            and (rule.region is None or same_region(rule.region, region)))


# what a 区县's name may end with: "赛罕区" is typed "赛罕" as often as "呼和浩特市赛罕区"
REGION_SUFFIXES = ("自治县", "自治旗", "新区", "区", "县", "旗", "市")
CITY_ENDINGS = "市州盟"  # what may come right before a 区县's name: its city, prefecture or league


def known_regions(session: Session) -> list[str]:
    """The 区县 the centre routes by (its routing rules' and departments' regions), for the call form's list."""
    def load():
        names = {rule.region for rule in session.scalars(sa.select(RoutingRule).where(RoutingRule.active.is_(True)))}
        names |= set(session.scalars(sa.select(Department.region).where(Department.active.is_(True))))
        return sorted(name for name in names if name)
    return cached(session, "known_regions", load)


COUNTY_ENDINGS = ("区", "县", "旗")


def is_a_county(region: str | None) -> bool:
    """Whether a 区县 given is county-level by its name (玉泉区, 洛南县), not a town (石门镇) or a city (商洛市)."""
    return bool(region) and region.endswith(COUNTY_ENDINGS) and len(region) >= 2


def _stem(region: str) -> str:
    for suffix in REGION_SUFFIXES:
        if region.endswith(suffix) and len(region) - len(suffix) >= 2:
            return region[: -len(suffix)]
    return region


def same_region(one: str | None, other: str | None) -> bool:
    """Whether two spellings name one 区县: "赛罕" and "赛罕区", "呼和浩特市回民区" and "回民区" or "回民", but not
    "新城区" and "城区", nor "阿鲁科尔沁旗" and "科尔沁区". A rule's region written with its city and a ticket's
    without (or a department's region edited to "赛罕") matched nothing (an administrator review)."""
    if not one or not other:
        return False
    one, other = "".join(one.split()), "".join(other.split())
    if one == other:
        return True
    longer, shorter = (one, other) if len(one) >= len(other) else (other, one)
    pairs = [(longer, shorter)]
    # without their 区/县/旗/市 only when those agree or one is left out: 朝阳市 and 朝阳县 are two bureaus
    if len({_suffix(longer), _suffix(shorter)} - {""}) <= 1:
        pairs.append((_stem(longer), _stem(shorter)))
    for whole, part in pairs:
        if whole == part or (whole.endswith(part) and len(whole) > len(part)
                             and whole[-len(part) - 1] in CITY_ENDINGS):
            return True
    return False


def _suffix(region: str) -> str:
    """What ``_stem`` takes off: 区, 县, 自治旗 …; "" when nothing."""
    return region[len(_stem(region)):]


def canonical_region(session: Session, typed: str | None) -> str | None:
    """The known 区县 a typed region means, else the text as typed. Rules compare regions exactly, so a county
    matter typed "呼和浩特市赛罕区" or "赛罕" went to the city's department instead of 赛罕区's (a domain review);
    statistics' 按区县 counted each spelling apart."""
    text = "".join((typed or "").split())
    if not text:
        return None
    names = known_regions(session)
    same = [name for name in names if same_region(text, name)]
    if same:  # the longest spelling a rule or department uses, whichever the text is, that one too: a rule written
        # 托克托 beside the bureau's 托克托县 kept calls typed 托克托 apart from the others (工单统计 listed two counties)
        return max(same, key=lambda name: (len(name), name))
    # the name nearest the end of the text: "呼和浩特市赛罕区" is 赛罕区, not a city department's 呼和浩特市. A short
    # name ("城区", "矿区") only as a whole word, not inside another ("新城区")
    def whole(name: str) -> bool:
        at = text.rindex(name)
        return len(name) > 2 or at == 0 or text[at - 1] in CITY_ENDINGS
    contained = [(text.rindex(name) + len(name), len(name), name) for name in names if name in text and whole(name)]
    if contained:
        return max(contained)[2]
    # a name typed without its 区/县/旗, alone or after its city ("赛罕", "呼和浩特市赛罕"), but not the tail of
    # another county's name ("阿鲁科尔沁" is not 科尔沁区)
    stems = [name for name in names if (stem := _stem(name)) != name and (
        text == stem or (text.endswith(stem) and text[-len(stem) - 1] in CITY_ENDINGS))]
    return max(stems, key=len) if stems else text



def region_named_in(session: Session, text: str | None) -> str | None:
    """The one known 区县 a letter's words name by its full name ("商州区"; a two-character one, "城区", after its
    city), when they name exactly one; None when they name none or several. A mailbox letter carries no 县区 field, and
    79 % of the real letters a county answered named that county and no other, yet none was routed to it (an
    import review)."""
    words = "".join((text or "").split())
    if not words:
        return None
    named = {}  # a known name → the forms of it the words hold
    for name in known_regions(session):
        # the full name only, a two-character one after its city: a stem or a short name is found inside other
        # words ("德州市中医院" is not 市中区, "广州中山大学" not 中山区, "科尔沁左翼中旗" not 科尔沁区; a diff review).
        # A name written with its city ("商洛市洛南县") is found by its own part too: letters say "洛南县"
        found = [form for form in _written_forms(name) if (form in words if len(form) > 2 else f"市{form}" in words)]
        if found and not any(same_region(name, other) for other in named):
            named[name] = found
    # a city named just before one of its counties ("商洛市洛南县") is where the county is, not a second place: a city
    # department's 区县 made every such letter name two (a county review: 265 of 346 letters found, then 183)
    cities = [name for name in named if any(other != name and any(f"{name}{form}" in words for form in forms)
                                            for other, forms in named.items())]
    counted = [name for name in named if name not in cities]
    return counted[0] if len(counted) == 1 else None


def _written_forms(name: str) -> list[str]:
    """``name``, and for one written after its city or prefecture (商洛市洛南县, 锡林郭勒盟锡林浩特市) its own part."""
    for at in range(len(name) - 3, 1, -1):
        if name[at] in CITY_ENDINGS:
            return [name, name[at + 1:]]
    return [name]


def route(
    session: Session,
    *,
    category: Category | None,
    region: str | None = None,
    channel: str | None = None,
    ticket_type: str | None = None,
) -> RouteDecision:
    rules = cached(session, "routing_rules", lambda: session.scalars(
        sa.select(RoutingRule).where(RoutingRule.active.is_(True)).order_by(RoutingRule.priority.desc(), RoutingRule.id)
    ).all())
    stopped = None  # a 停用 department gets no new work: its rule is passed over, its category's default is none
    for rule in rules:
        if rule_matches(
            rule,
            category_id=category.id if category else None,
            region=region or None,
            channel=channel,
            ticket_type=ticket_type,
        ):
            if not rule.department.active:
                stopped = stopped or rule.department
                continue
            return RouteDecision(rule.department, rule, f"路由规则“{rule.name}”（优先级 {rule.priority}）")
    if category is not None and category.default_department is not None:
        if category.default_department.active:
            return RouteDecision(category.default_department, None, f"分类“{category.name}”的默认承办单位")
        stopped = stopped or category.default_department
    if stopped is not None:
        return RouteDecision(None, None, f"匹配的承办单位“{stopped.name}”已停用，请人工选择")
    return RouteDecision(None, None, "没有匹配的规则，分类也没有默认承办单位")
