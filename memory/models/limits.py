"""Rate-limit counters: one fixed-window counter per key, in PostgreSQL so that every API
process behind the load balancer counts against the same number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from memory.models.base import Base


class RateLimitWindow(Base):
    """Calls made under ``key`` in the window that starts at ``window_start``."""

    __tablename__ = "rate_limits"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    # For sweeping old windows of every key at once.
    __table_args__ = (Index("ix_rate_limits_window_start", "window_start"),)
