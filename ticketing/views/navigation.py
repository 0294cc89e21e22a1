"""The menu each role sees."""
from __future__ import annotations

from ticketing.models import Role, User

NAVIGATION: dict[Role, list[tuple[str, str, str | None]]] = {
    # (endpoint, label, to-do counter key)
    Role.AGENT: [
        ("agent.new_call", "来电登记", None),
        ("agent.triage", "待派发", "triage"),
        ("agent.returns", "退回审核", "returns"),
        ("agent.callbacks", "回访", "callbacks"),
        ("agent.closing", "待办结", "unhappy"),
        ("tickets.index", "工单查询", None),
        ("knowledge.index", "知识库", None),
        ("supervisor.hotspot_report", "热点诉求", None),
        ("imports.index", "文件导入", None),
        ("reviews.mine", "我的质检", None),
    ],
    Role.STAFF: [
        ("staff.inbox", "本单位工单", "inbox"),
        ("tickets.index", "工单查询", None),
        ("supervisor.hotspot_report", "热点诉求", None),
        ("knowledge.index", "知识库", None),
        ("assessment.index", "月度考核", None),
        ("statistics.index", "工单统计", None),
    ],
    Role.SUPERVISOR: [
        ("supervisor.overview", "督办", "supervise"),
        ("supervisor.hotspot_report", "热点诉求", None),
        ("agent.triage", "待派发", "triage"),
        ("agent.returns", "退回审核", "returns"),
        ("agent.callbacks", "回访", "callbacks"),
        ("agent.closing", "待办结", "unhappy"),
        ("agent.new_call", "来电登记", None),
        ("tickets.index", "工单查询", None),
        ("knowledge.index", "知识库", None),
        ("imports.index", "文件导入", None),
        ("assessment.index", "月度考核", "contests"),
        ("statistics.index", "工单统计", None),
        ("reviews.index", "工单质检", "appeals"),
    ],
    Role.ADMIN: [
        ("admin.index", "系统管理", None),
        ("classifier_admin.index", "分类模型", None),
        ("supervisor.overview", "督办", "supervise"),
        ("supervisor.hotspot_report", "热点诉求", None),
        ("tickets.index", "工单查询", None),
        ("imports.index", "文件导入", None),
        ("assessment.index", "月度考核", "contests"),
        ("statistics.index", "工单统计", None),
        ("reviews.index", "工单质检", "appeals"),
    ],
}


def navigation_for(user: User) -> list[tuple[str, str, str | None]]:
    return NAVIGATION[user.role_enum]


def start_endpoint(user: User) -> str:
    return NAVIGATION[user.role_enum][0][0]
