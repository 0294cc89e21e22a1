"""Run-time settings: an administrator's value from the database, else the configured default."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ticketing.models import AppSetting

DEFAULTS: dict[str, object] = {
    # share of tickets of each type that get a callback (回访抽样); petitions always
    "callback_share": {"consult": 0.2, "help": 0.5, "complaint": 1.0, "report": 1.0, "suggestion": 0.2, "praise": 0.0},
    "return_window_working_days": 5,
    # 协办: working days a department asked for its opinion has to answer (services/assists.py)
    "assist_working_days": 3,
    # 回访 attempts that may fail to reach the citizen before the callback is recorded as 未联系上
    "callback_attempts": 3,
    # minutes after a try that did not reach the citizen before the ticket is due in the 回访 queue again (0: at once)
    "callback_retry_minutes": 120,
    "classifier_threshold": None,  # None: the threshold chosen when the model was trained
    "duplicate_similarity": 0.6,
    # 热点诉求: how alike two tickets' words must be to count as the same matter (services/hotspots.py)
    "hotspot_similarity": 0.35,
    "near_deadline_hours": 24,
    # 按月考核 composite score: weight of each rate, summing to 100 (services/assessment.py)
    "assessment_weights": {"accept": 20, "on_time": 30, "satisfaction": 30, "resolution": 20},
    # 风险提示: the centre's own phrases, added to the shipped ones (services/risk_alerts.py)
    "risk_phrases_extra": "",
}

#: the settings in the words of the 运行设置 page, for 操作日志 (a copy review: it said callback_attempts)
TITLES = {
    "callback_share": "回访比例", "return_window_working_days": "退回时限（工作日）", "assist_working_days": "协办反馈时限（工作日）",
    "callback_attempts": "回访未接通时最多尝试（次）", "callback_retry_minutes": "未接通后再次回访间隔（分钟）",
    "classifier_threshold": "自动派发置信度阈值", "duplicate_similarity": "重复工单相似度",
    "hotspot_similarity": "热点诉求相似度", "near_deadline_hours": "临近到期提醒（小时）",
    "assessment_weights": "考核权重", "risk_phrases_extra": "风险提示词",
}


def get_setting(session: Session, key: str, config: dict | None = None):
    row = session.get(AppSetting, key)
    if row is not None:
        return row.value["v"]
    if config is not None and config.get(key.upper()) is not None:
        return config[key.upper()]
    return DEFAULTS[key]


def set_setting(session: Session, key: str, value) -> None:
    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(AppSetting, key)
    if row is None:
        session.add(AppSetting(key=key, value={"v": value}))
    else:
        row.value = {"v": value}
