"""How a ticket's file leaves the application, for every door it leaves by: the staff's ticket page, the API (a
user's or a channel's token) and the citizen's 工单进度查询."""
from __future__ import annotations

from flask import send_file


def file_download(path, content_type: str, name: str, *, inline: bool = False):
    """A ticket's file under ``name``: saved by the browser unless ``inline`` (a picture or a PDF a staff member
    opens), never sniffed into another type, never kept in a cache."""
    # werkzeug adds "; charset=utf-8" to a text type itself: the stored type's own would be said twice
    response = send_file(path, mimetype=content_type.split(";")[0], download_name=name, as_attachment=not inline,
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
