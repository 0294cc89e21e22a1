from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ticketing.extensions import db
from ticketing.models.base import UTCDateTime


class HotspotSnapshot(db.Model):
    """热点诉求's grouping of one window, computed a moment ago and shared by every worker (services/hotspots.py).

    Grouping a province's week takes 10–20 s. `flask refresh-hotspots` from cron keeps the usual windows
    fresh, so a supervisor never waits for them; any other window is stored by the worker that computed it.
    Only ticket ids and similarities are kept: the tickets themselves are read when the page is.
    """

    __tablename__ = "hotspot_snapshot"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)  # days:min_size:similarity:department
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    tickets_compared: Mapped[int]
    seconds: Mapped[float]
    groups: Mapped[list] = mapped_column(sa.JSON)  # [[[ticket id, similarity], …], …], largest group first
