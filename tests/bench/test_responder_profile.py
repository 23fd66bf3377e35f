"""The responder profile's bookkeeping, without a database: statements are counted by their
start, and the report shows per-mail figures (timing itself is never asserted)."""

from __future__ import annotations

from bench.responder_profile import ProfileResult, SqlStats, report, statement_kind


def test_statements_are_counted_by_their_start_with_whitespace_collapsed() -> None:
    assert statement_kind("SELECT  a,\n  b FROM t WHERE x = 1", width=14) == "SELECT a, b FR"


def test_the_report_gives_figures_per_mail() -> None:
    sql = SqlStats(checkouts=30)
    sql.count["UPDATE inbound_emails"] = 20
    sql.seconds["UPDATE inbound_emails"] = 0.2
    result = ProfileResult(mails=10, per_mail_s=[0.05] * 10, wall_s=0.5, cpu_s=0.4, sql=sql)
    text = report(result, top=5)
    assert "10 mails by one worker" in text
    assert "2.0 statements and 3.0 transactions (pool checkouts) per mail" in text
    assert "this process's CPU: 40.0 ms per mail" in text
    assert "2.00     20.0     10.0  UPDATE inbound_emails" in text
