"""Trends on the dashboard and the API: `/api/trends` ends at the rollup, the overview draws it as inline
SVG (no script), the repository page lists its events."""

from __future__ import annotations

from fastapi.testclient import TestClient

from distscout.web.charts import BOTTOM, HEIGHT, LEFT, RIGHT, TOP, WIDTH, trend_chart


def test_api_trends_end_at_the_rollup(client: TestClient) -> None:
    body = client.get("/api/trends", params={"points": 5}).json()
    stats = client.get("/api/stats").json()
    assert body["series"] == ["published", "orphans", "unclaimed"] and len(body["points"]) == 5
    last = body["points"][-1]
    assert (last["published"], last["orphans"], last["unclaimed"]) == (
        stats["with_registry"],
        stats["orphans"],
        stats["unclaimed"],
    )
    assert [p["at"] for p in body["points"]] == sorted(p["at"] for p in body["points"])
    assert client.get("/api/trends", params={"points": 1}).status_code == 422


def test_overview_draws_the_trend_lines(client: TestClient) -> None:
    page = client.get("/").text
    for series in ("published", "orphans", "unclaimed"):
        assert f'<polyline class="series {series}" data-series="{series}" points="' in page
    assert "<script" not in page.split("<main>")[1]  # drawn on the server
    assert "with an orphan manifest: 3" in page


def test_repo_page_lists_its_events(client: TestClient) -> None:
    report = client.get("/api/repos/pallets/flask").json()
    events = report["history"]["timeline"]
    shown = [(e["kind"], e["what"], e["event"]) for e in events]
    assert ("manifest", "pyproject.toml", "first seen") in shown
    assert ("package", "pypi/Flask via ecosyste.ms", "first seen") in shown
    assert [e["at"] for e in events] == sorted((e["at"] for e in events), reverse=True)  # newest first
    page = client.get("/repos/pallets/flask").text
    assert 'class="event first-seen" data-kind="manifest"' in page


def test_chart_geometry() -> None:
    trends = {
        "series": ["published", "orphans", "unclaimed"],
        "points": [
            {"at": "2026-01-01T00:00:00+00:00", "published": 0, "orphans": 4, "unclaimed": 1},
            {"at": "2026-01-11T00:00:00+00:00", "published": 2, "orphans": 2, "unclaimed": 1},
        ],
    }
    chart = trend_chart(trends)
    assert chart is not None and chart.top == 4 and (chart.first, chart.last) == ("2026-01-01", "2026-01-11")
    lines = {line.series: line.points.split() for line in chart.lines}
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    # orphans: 4 (the top) on the left, a step down to 2 at the right edge
    assert lines["orphans"] == [
        f"{LEFT:.1f},{TOP:.1f}",
        f"{right:.1f},{TOP:.1f}",
        f"{right:.1f},{(TOP + bottom) / 2:.1f}",
    ]
    assert lines["published"][0] == f"{LEFT:.1f},{bottom:.1f}"
    assert len(lines["unclaimed"]) == 2  # flat: its two ends
    assert trend_chart({"series": ["published"], "points": []}) is None
    hour = {
        "series": ["published"],
        "points": [{"at": f"2026-01-01T0{h}:00:00+00:00", "published": 1} for h in (0, 1)],
    }
    short = trend_chart(hour)
    assert short is not None and (short.first, short.last) == ("2026-01-01 00:00", "2026-01-01 01:00")
