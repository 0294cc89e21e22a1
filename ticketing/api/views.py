"""/api/v1 endpoints: the same services as the pages, rendered as JSON. Each request commits once."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from apiflask import APIBlueprint
from sqlalchemy.orm import selectinload
from flask import current_app, request

from ticketing.api import schemas
from ticketing.api.auth import SECURITY, current_api_user, current_token, token_required
from ticketing.api.presenters import (
    announcement_dict, assist_dict, attachment_dict, callback_dict, channel_ticket_dict, contact_dict, event_dict,
    has_caller_data, iso, page_dict, petition_review_dict, reply_dict, ticket_dict,
    ticket_dict_for_channel,
)
from ticketing.extensions import db
from ticketing.file_responses import file_download
from ticketing.models import Ticket
from ticketing.services import (
    announcements, assists, attachments, callback_claims, channel_feedback, clock, inbox, intake_assist, invalid_calls, locks,
    permissions, petition_reviews, privacy, risk_alerts, search, tickets, validation,
)
from ticketing.services.actions import API_ACTIONS, perform_action
from ticketing.services.errors import DomainError, NotAllowed, NotFound, ValidationFailed

bp = APIBlueprint("api", __name__, url_prefix="/api/v1", tag="工单")

class ModelUnavailable(DomainError):
    http_status = 503


ERRORS = {401: "缺少或无效的令牌", 403: "令牌无权执行此操作", 422: "参数有误"}


def _classifier():
    return current_app.extensions["classifier"].current()


def _ticket_for(user, number: str) -> Ticket:
    """A ticket the user may see; another department's ticket is a 404, as if absent."""
    ticket = tickets.find_by_number(db.session, number, to_change=request.method == "POST")  # a change: row locked
    if ticket is None or not permissions.can_view_ticket(user, ticket):
        raise NotFound(f"工单 {number} 不存在")
    return ticket


@bp.post("/tickets")
@bp.doc(summary="提交工单", security=SECURITY,
        description="同一渠道同一 external_id 再次提交时返回 200 和已有的工单，不会生成第二件。"
                    "渠道令牌得到的工单不含承办人（handler 为 null）；举报件也不含分类与承办单位（category、"
                    "suggested_category、confidence、department 为 null）。办理进度请用 GET /channel/tickets/{ref}。",
        responses={200: "已提交过：返回已有工单", **ERRORS})
@token_required(channel_tokens=True)
@bp.input(schemas.TicketIn, arg_name="data")
@bp.output(schemas.TicketOut, status_code=201, description="已登记")
def create_ticket(data: dict):
    token, user = current_token(), current_api_user()
    data.setdefault("channel", token.channel)
    if not data.get("channel"):
        raise ValidationFailed("请指定来源渠道", fields={"channel": "必填"})
    if token.channel is not None and data["channel"] != token.channel:
        raise NotAllowed(f"该令牌只能提交渠道 {token.channel} 的工单")
    if user is not None and not permissions.has_permission(user, permissions.Permission.TICKET_REGISTER):
        raise NotAllowed("该用户无权登记工单")
    classifier = _classifier()
    result = tickets.register_ticket(
        db.session, tickets.TicketInput(**data), actor=user, now=clock.now_utc(), classifier=classifier,
        threshold=current_app.config.get("CLASSIFIER_THRESHOLD") if classifier is not None else None,
        via=f"接口令牌 #{token.id}（{token.name}）",
    )
    db.session.commit()
    shown = ticket_dict(result.ticket) if user is not None else ticket_dict_for_channel(result.ticket)
    shown["call_reference"] = result.ticket.call_reference  # what the submitter sent, as sent
    return shown, 201 if result.created else 200


@bp.get("/tickets")
@bp.doc(summary="查询工单", security=SECURITY, responses=ERRORS)
@token_required()
@bp.input(schemas.TicketQuery, location="query", arg_name="query")
@bp.output(schemas.TicketPageOut)
def list_tickets(query: dict):
    _refuse_unknown_parameters(schemas.TicketQuery)  # a misspelt filter (departement=) would list everything
    page_number, per_page, after = query.pop("page"), query.pop("per_page"), query.pop("after", None)
    if query.get("phone"):
        query["phone"] = validation.normalize_phone(query["phone"])
    now = clock.now_utc()
    select = search.ticket_query(db.session, current_api_user(), search.TicketFilters(**query), now)
    if after:
        select = search.continued_after(select, after)
    select = select.options(*LISTED_WITH)
    page = db.paginate(select, page=page_number, per_page=per_page, error_out=False, count=True)
    body = page_dict(page, [ticket_dict(t) for t in page.items])
    body["next_after"] = search.next_after(page.items, page.has_next)
    body["next_changed_since"] = iso(now - _longest_save())
    first_page = page_number == 1 and not after
    body["moved_away"] = [{"number": m.number, "moved_at": iso(m.moved_at), "action": m.action}
                          for m in search.moved_away(db.session, current_api_user(), query["changed_since"])
                          ] if first_page and query.get("changed_since") else []
    db.session.commit()
    return body


# what ticket_dict reads of each ticket, loaded for a page at once: one query per category, department and
# handler on the page otherwise, up to about 100 on a province's page of 100 (a scale review)
LISTED_WITH = (selectinload(Ticket.category), selectinload(Ticket.suggested_category),
               selectinload(Ticket.department), selectinload(Ticket.handler), selectinload(Ticket.merged_into))


def _refuse_unknown_parameters(schema) -> None:
    """A 422 naming the query parameters ``schema`` does not know: webargs drops them silently."""
    unknown = sorted(set(request.args) - set(schema().fields))
    if unknown:
        raise ValidationFailed("未知的查询参数", fields={name: "未知的查询参数" for name in unknown})


def _longest_save() -> timedelta:
    """How long before it is seen an event may have been stamped: a request stamps its changes when it begins and
    they are seen when it commits, after a virus scan or an SMS gateway at most, or a slow minute. A sync that went
    on from the moment it began missed changes saved just after it (an API review: 2–5 of 150 under load)."""
    config = current_app.config
    return timedelta(seconds=120 + int(config["ATTACHMENT_SCAN_TIMEOUT"]) + int(config["SMS_TIMEOUT"]))


@bp.get("/callbacks")
@bp.doc(summary="回访队列：现在可拨的回访（供外呼系统取号）", security=SECURITY, responses=ERRORS,
        description="与“回访”页面相同的队列和顺序；上次未联系上、尚在再拨间隔内的不列出，其他话务员正在回访的"
                    "（15 分钟内打开过的）也不列出。话务员、班长的令牌"
                    "得到完整号码，每件都记入个人信息查看记录。结果用 POST /tickets/{number}/actions（action=callback）回写。")
@token_required()
@bp.input(schemas.PageQuery, location="query", arg_name="query")
@bp.output(schemas.CallbackPageOut)
def callback_queue(query: dict):
    user = current_api_user()
    if not permissions.has_permission(user, permissions.Permission.CALLBACK_QUEUE):
        raise NotAllowed("该令牌的用户不做回访")
    now = clock.now_utc()
    due = callback_claims.not_claimed_by_others(inbox.callbacks_query(now - inbox.callback_retry_interval(db.session)),
                                                user, now)  # less those other agents are calling back (正在回访)
    page = db.paginate(due.options(*LISTED_WITH), page=query["page"], per_page=query["per_page"], error_out=False,
                       count=True)
    tries = tickets.failed_callbacks_of(db.session, page.items)
    shown = {t.id: privacy.may_see_caller(db.session, user, t) for t in page.items}  # in full, to be dialled
    for ticket in page.items:
        if shown[ticket.id] and has_caller_data(ticket):
            privacy.log_view(db.session, user, ticket, now=now, via="api")
    body = page_dict(page, [ticket_dict(t, show_caller=shown[t.id]) | {"failed_tries": tries.get(t.id, 0)}
                            for t in page.items])
    db.session.commit()
    return body


@bp.get("/assists")
@bp.doc(summary="协办：请本单位协办的事项（承办人员的令牌）", security=SECURITY,
        responses={403: "该令牌的用户不属于承办单位", **ERRORS},
        description="与“本单位工单 → 协办”相同：state=open 为待本单位反馈的（工单仍在办理，反馈时限最近的在前），"
                    "answered 为本单位已反馈的（最近的在前）。意见用 POST /tickets/{number}/actions（action=answer_assist）提交。")
@token_required()
@bp.input(schemas.AssistQuery, location="query", arg_name="query")
@bp.output(schemas.AssistPageOut)
def assist_queue(query: dict):
    user = current_api_user()
    if not permissions.has_permission(user, permissions.Permission.INBOX) or not user.department_id:
        raise NotAllowed("该令牌的用户不属于承办单位")
    select = (assists.department_queue if query["state"] == "open" else assists.answered_by_department)(user.department_id)
    page = db.paginate(select, page=query["page"], per_page=query["per_page"], error_out=False, count=True)
    now = clock.now_utc()
    return page_dict(page, [assist_dict(r, now=now) for r in page.items])


@bp.get("/announcements")
@bp.doc(summary="通知公告：发给该令牌用户的、仍在显示期内的通知（未阅的在前）", security=SECURITY, responses=ERRORS,
        description="与“公告”页面相同：按用户的角色（承办人员另按所属单位）；供话务软电话、单位办公系统显示。"
                    "标为已阅用 POST /announcements/{id}/read。")
@token_required()
@bp.input(schemas.PageQuery, location="query", arg_name="query")
@bp.output(schemas.AnnouncementPageOut)
def list_announcements(query: dict):
    user, now = current_api_user(), clock.now_utc()
    page = db.paginate(announcements.current_query(user, now), page=query["page"], per_page=query["per_page"],
                       error_out=False, count=True)
    read = announcements.read_among(db.session, user, [a.id for a in page.items])
    return page_dict(page, [announcement_dict(a, a.id in read) for a in page.items]) | {
        "unread": announcements.unread_count(db.session, user, now)}


@bp.post("/announcements/<int:announcement_id>/read")
@bp.doc(summary="通知公告标为已阅", security=SECURITY, responses={404: "通知不存在、已撤回或不是发给该用户的", **ERRORS})
@token_required()
@bp.output(schemas.AnnouncementOut)
def read_announcement(announcement_id: int):
    user, now = current_api_user(), clock.now_utc()
    announcement = announcements.get_for(db.session, user, announcement_id, now)
    if not announcement.is_for(user):  # a publisher may open any, but reads only what is addressed to them
        raise NotFound("通知不是发给该用户的")
    announcements.mark_read(db.session, announcement, user, now)
    db.session.commit()
    return announcement_dict(announcement, True)


@bp.post("/invalid-calls")
@bp.doc(summary="记录无效来电（接听后未登记工单的来电）", security=SECURITY,
        description="供电话平台在话务员标记无效来电时回写，与来电登记页的“无效来电”相同，计入该话务员的工作量；"
                    "返回该号码近 30 天的骚扰来电次数。同一 call_reference 再次提交（超时重试）返回 200 和已有的记录，不重复计数。",
        responses={200: "已记录过：返回已有记录", 403: "该令牌的用户不接听来电", **ERRORS})
@token_required()
@bp.input(schemas.InvalidCallIn, arg_name="data")
@bp.output(schemas.InvalidCallOut, status_code=201)
def record_invalid_call(data: dict):
    now = clock.now_utc()
    call = invalid_calls.record(db.session, kind=data["kind"], phone=data.get("caller_phone"),
                                call_reference=data.get("call_reference"), note=data.get("note"),
                                actor=current_api_user(), now=now)
    created = call.created_at == now
    body = {"id": call.id, "kind": call.kind, "kind_title": invalid_calls.KINDS[call.kind],
            "call_reference": call.call_reference, "created_at": iso(call.created_at),
            "nuisance_calls": invalid_calls.nuisance_count(db.session, call.caller_phone, now)}
    db.session.commit()
    return body, 201 if created else 200


@bp.get("/tickets/<number>")
@bp.doc(summary="工单详情与全部办理记录", security=SECURITY, responses={404: "工单不存在", **ERRORS})
@token_required()
@bp.output(schemas.TicketDetailOut)
def get_ticket(number: str):
    user = current_api_user()
    ticket = _ticket_for(user, number)
    show_caller = privacy.may_see_caller(db.session, user, ticket)
    if show_caller and has_caller_data(ticket):
        privacy.log_view(db.session, user, ticket, now=clock.now_utc(), via="api")
    body = _detail(user, ticket, show_caller=show_caller)
    db.session.commit()
    return body


def _detail(user, ticket: Ticket, *, show_caller: bool = False) -> dict:
    files, hidden = attachments.listed(db.session, user, ticket)
    return ticket_dict(ticket, show_caller=show_caller) | {
        "events": [event_dict(e, show_caller=show_caller) for e in ticket.events],
        "replies": [reply_dict(r, show_caller=show_caller) for r in ticket.replies],
        "callbacks": [callback_dict(c, show_caller=show_caller) for c in ticket.callbacks],
        "contacts": [contact_dict(c, show_caller=show_caller) for c in ticket.contacts],
        "assists": [assist_dict(r, now=clock.now_utc(), show_caller=show_caller) for r in ticket.assists],
        "petition_reviews": [petition_review_dict(r, now=clock.now_utc(), show_caller=show_caller)
                             for r in ticket.petition_reviews],
        "petition_concluded": petition_reviews.is_concluded(ticket),
        # those POST /actions takes (attachments, 授权查看举报人 and 风险补查 are the pages' or their own endpoints')
        "allowed_actions": [a.value for a in tickets.actions_open_now(db.session, user, ticket, clock.now_utc())
                            if a.value in API_ACTIONS],
        "attachments": [attachment_dict(a, show_caller=show_caller) for a in files],
        "hidden_attachments": hidden,
    }


@bp.post("/tickets/<number>/actions")
@bp.doc(summary="办理工单（派发、签收、答复、退回、延期、督办、回访、办结、重办、合并、转出 12345 …）",
        security=SECURITY, responses={404: "工单不存在", 409: "当前状态不能执行该操作", **ERRORS})
@token_required()
@bp.input(schemas.ActionIn, arg_name="data")
@bp.output(schemas.TicketDetailOut)
def act(number: str, data: dict):
    user = current_api_user()
    if data.get("action") == "merge":
        tickets.lock_merge_target_first(db.session, number, data.get("into"))
    ticket = _ticket_for(user, number)
    action = data.pop("action")
    perform_action(db.session, ticket, action, data, actor=user, now=clock.now_utc())
    db.session.commit()
    return _detail(user, ticket)


@bp.post("/tickets/<number>/attachments")
@bp.doc(summary="上传附件（multipart/form-data：file，可选 identifies_caller）", security=SECURITY,
        description="文件须与扩展名相符（按文件头识别），单个不超过 ATTACHMENT_MAX_MB。上传记为办理记录。"
                    "渠道令牌只能给本渠道提交的工单上传（来信扫描件、群众提交的材料），返回的工单详情只列出渠道上传的附件。",
        responses={404: "工单不存在", 409: "当前状态不能上传", 503: "病毒检查暂不可用（文件未保存，稍后重试）", **ERRORS})
@token_required(channel_tokens=True)
@bp.input(schemas.AttachmentIn, location="form_and_files", arg_name="data")
@bp.output(schemas.TicketDetailOut, status_code=201, description="已上传：工单详情")
def upload_attachment(number: str, data: dict):
    user, token = current_api_user(), current_token()
    if token.channel is not None:
        ticket = db.session.scalar(locks.for_change(
            sa.select(Ticket).where(Ticket.number == number, Ticket.channel == token.channel), Ticket))
        if ticket is None:
            raise NotFound(f"工单 {number} 不存在或不是本渠道提交的")
    else:
        ticket = _ticket_for(user, number)
    upload, settings = data["file"], attachments.upload_settings(current_app.config)
    folder = settings["folder"]
    attachment = attachments.attach(
        db.session, ticket, filename=upload.filename, stream=upload.stream,
        identifies_caller=data["identifies_caller"], actor=user, now=clock.now_utc(),
        via=f"接口令牌 #{token.id}（{token.name}）", **settings)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        attachments.discard_file(folder, attachment)
        raise
    if user is None:  # a channel sees what it sent, not what the centre added
        sent = [a for a in ticket.attachments if a.uploaded_by_id is None and a.removed_at is None]
        return ticket_dict_for_channel(ticket) | {"events": [], "allowed_actions": [],
                                      "attachments": [attachment_dict(a) for a in sent], "hidden_attachments": 0}, 201
    return _detail(user, ticket), 201


@bp.get("/tickets/<number>/attachments/<int:attachment_id>")
@bp.doc(summary="下载附件", security=SECURITY,
        responses={200: "文件本身", 403: "含来电人身份信息，无权查看", 404: "工单或附件不存在", **ERRORS})
@token_required()
def get_attachment(number: str, attachment_id: int):
    user = current_api_user()
    ticket = _ticket_for(user, number)
    found, path, name = attachments.open_for(db.session, user, ticket, attachment_id, folder=attachments.folder_of(current_app.config),
                                       now=clock.now_utc(), via="api")
    db.session.commit()
    return file_download(path, found.content_type, name)


def _channel() -> str:
    channel = current_token().channel
    if channel is None:
        raise NotAllowed("此接口供渠道令牌使用（flask create-token --channel CODE）")
    return channel


@bp.get("/channel/tickets/<reference>")
@bp.doc(summary="渠道查询本渠道一件工单的办理结果（办理结果回传）", security=SECURITY,
        description="按渠道提交时的 external_id、工单号或 12345 转办编号（external_id 含“/”的，请用工单号）。内容与群众在工单进度查询页看到的相同：状态、承办单位、"
                    "答复期限、答复内容；举报件不提供承办单位和答复内容，合并的工单显示合并后的进度。",
        responses={403: "不是渠道令牌", 404: "本渠道没有这件工单", **ERRORS})
@token_required(channel_tokens=True)
@bp.output(schemas.ChannelTicketOut)
def channel_ticket(reference: str):
    return channel_ticket_dict(channel_feedback.find(db.session, _channel(), reference, now=clock.now_utc()))


@bp.get("/channel/tickets/<reference>/attachments/<int:attachment_id>")
@bp.doc(summary="渠道下载随答复发送的附件（如答复函）", security=SECURITY,
        description="只提供随当前答复发送的附件（GET /channel/tickets/{ref} 的 reply_attachments）；不提供答复内容时"
                    "（举报件等）也不提供附件。",
        responses={200: "文件本身", 403: "不是渠道令牌", 404: "本渠道没有这件工单，或答复没有这个附件", **ERRORS})
@token_required(channel_tokens=True)
def channel_reply_file(reference: str, attachment_id: int):
    found = channel_feedback.reply_file(db.session, _channel(), reference, attachment_id, now=clock.now_utc())
    path, name = attachments.sent_copy(found, folder=attachments.folder_of(current_app.config))
    return file_download(path, found.content_type, name)


@bp.post("/channel/tickets/<reference>/evaluation")
@bp.doc(summary="渠道回传群众对答复的评价（满意度回传）", security=SECURITY,
        description="渠道回访了群众、或群众在渠道上评价了答复时回传：记为该工单的回访（已联系上），工单变为已回访，"
                    "计入承办单位的满意率和解决率，热线中心不必再回访。只接收已答复、尚未回访的工单；"
                    "不满意的由热线中心决定是否重办。同一评价重复回传（如超时后重试）答 200，不重复记录。",
        responses={200: "同一评价已记录过（重试）：工单的最新进度",
                   403: "不是渠道令牌", 404: "本渠道没有这件工单", 409: "工单不在待回访状态（已回访、已办结、已合并或尚未答复）",
                   **ERRORS})
@token_required(channel_tokens=True)
@bp.input(schemas.EvaluationIn, arg_name="data")
@bp.output(schemas.ChannelTicketOut, status_code=201, description="已记录：工单的最新进度")
def channel_evaluation(reference: str, data: dict):
    now, channel = clock.now_utc(), _channel()
    _, recorded_now = channel_feedback.record_evaluation(  # not now: the same 评价 sent again (a retry), kept once
        db.session, channel, reference, satisfaction=data["satisfaction"], solved=data["solved"],
        comment=data.get("comment") or "", now=now)
    db.session.commit()
    return channel_ticket_dict(channel_feedback.find(db.session, channel, reference, now=now)), 201 if recorded_now else 200


@bp.get("/channel/updates")
@bp.doc(summary="渠道取回本渠道有变动的工单（办理结果回传）", security=SECURITY,
        description="返回最近一次变动在 (since, until] 之间的本渠道工单，按变动时间排序，每页至多 100 件。"
                    "翻页时带上第一页返回的 until 和上一页返回的 next_after（作为 after）；"
                    "取完后，下次以返回的 next_since 作为 since。"
                    "next_since 比 until 早两分钟，工单可能重复出现，不会遗漏。",
        responses={403: "不是渠道令牌", **ERRORS})
@token_required(channel_tokens=True)
@bp.input(schemas.ChannelUpdatesQuery, location="query", arg_name="query")
@bp.output(schemas.ChannelPageOut)
def channel_updates(query: dict):
    _refuse_unknown_parameters(schemas.ChannelUpdatesQuery)  # a misspelt afer= gave page 1 again, for ever
    result = channel_feedback.changed(db.session, _channel(), since=query["since"], until=query.get("until"),
                                      now=clock.now_utc(), page=query["page"], per_page=query["per_page"],
                                      after=query.get("after"))
    return {"items": [channel_ticket_dict(item) for item in result.items], "page": query["page"],
            "per_page": query["per_page"], "has_more": result.has_more, "next_after": result.next_after,
            "until": iso(result.until), "next_since": iso(result.next_since)}


@bp.post("/classify")
@bp.doc(summary="对一段诉求文字分类（建议业务分类、承办单位和诉求类型）", security=SECURITY,
        responses={503: "没有已启用的分类模型", **ERRORS})
@token_required(channel_tokens=True)
@bp.input(schemas.ClassifyIn, arg_name="data")
@bp.output(schemas.ClassifyOut)
def classify(data: dict):
    classifier = _classifier()
    if classifier is None:
        raise ModelUnavailable("没有已启用的分类模型，请由话务员人工分类")
    suggested = intake_assist.suggest(db.session, classifier, data["text"],
                                      current_app.config.get("CLASSIFIER_THRESHOLD"))
    prediction = suggested.prediction
    decision = suggested.route(db.session, region=data.get("region"), channel=data.get("channel"),
                               ticket_type=data.get("type"))
    db.session.commit()
    label, confidence = (suggested.top[0][0].code, suggested.top[0][1]) if suggested.top else (None, 0.0)
    return {
        "label": label, "confidence": round(confidence, 4),  # the first category in use (the model's, mostly)
        "top": [[category.code, round(p, 4)] for category, p in suggested.top],
        "department": decision.department.code if decision and decision.department else None,
        "type": prediction.type, "reasons": suggested.reasons, "confident": suggested.confident,
        "model_version": prediction.model_version,
        "risks": risk_alerts.as_dicts(risk_alerts.detect(db.session, data["text"])),
    }
