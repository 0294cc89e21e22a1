"""/api/v1/hotspots: 热点诉求 as on the page, for a bureau's dashboard: tokens of agents, supervisors and
administrators see the centre's, a department's staff its own tickets' (``department`` is ignored), a
channel's none."""
from __future__ import annotations

from ticketing.api import schemas
from ticketing.api.auth import SECURITY, current_api_user, token_required
from ticketing.api.presenters import iso
from ticketing.api.views import ERRORS, bp
from ticketing.extensions import db
from ticketing.services import clock, hotspots, settings
from ticketing.services.validation import mask_numbers_in_text

TAG = "热点诉求"


@bp.get("/hotspots")
@bp.doc(summary="近几天多位来电人反映的相近诉求", tags=[TAG], security=SECURITY,
        description="与 热点诉求 页相同：按用词相似度成组，最大的在前（默认列 50 组，total 为共有几组）；"
                    "同一号码只算一位来电人，已合并的重复件不计。"
                    "结果在每个服务进程保留 5 分钟；算法与耗时见 docs/hotspots.md。",
        responses={404: "承办单位不存在", 422: "参数有误", **ERRORS})
@token_required()
@bp.input(schemas.HotspotQuery, location="query", arg_name="query")
@bp.output(schemas.HotspotsOut)
def hotspot_groups(query: dict):
    department = hotspots.department_grouped(db.session, current_api_user(), query.get("department"))
    department_id = department.id if department else None  # a department's staff: its own tickets
    similarity = float(settings.get_setting(db.session, "hotspot_similarity"))
    found = hotspots.report(db.session, clock.now_utc(), days=query["days"], min_size=query["min_size"],
                            min_similarity=similarity, department_id=department_id, fresh=query["fresh"])
    db.session.commit()  # the grouping, stored for every worker
    hotspots.read_again(db.session, found)  # a query per ticket otherwise, as the page had (a scale review)
    return {
        "computed_at": iso(found.computed_at), "since": iso(found.since), "tickets_compared": found.tickets_compared,
        "similarity": similarity, "total": len(found.hotspots),
        "hotspots": [{
            "headline": mask_numbers_in_text(h.tickets[0].title), "callers": h.callers, "open": h.open_count,
            "first_at": iso(h.first_at), "last_at": iso(h.last_at), "categories": h.categories,
            "regions": h.regions, "departments": h.departments,
            "tickets": [{"number": t.number, "similarity": h.similarities[t.id], "status": t.status,
                         "region": t.region, "department": t.department.code if t.department else None,
                         "received_at": iso(t.received_at)} for t in h.tickets],
        } for h in found.hotspots[:query["limit"]]],
    }
