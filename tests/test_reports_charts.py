"""Server-made SVG charts: labelled for screen readers, a table alternative, nothing the CSP refuses."""
import re
from datetime import date

from flask_babel import force_locale

from reports import charts
from reports.queries import MonthPoint


def points():
    return [MonthPoint(date(2025, m, 1), 2, None if m == 2 else 60.0 + m, 50.0) for m in range(1, 5)]


def test_trend_chart_has_title_desc_gaps_and_a_table(app):
    with app.test_request_context(), force_locale("en"):
        chart = charts.trend_chart(points(), uid="t1", title="Mean score by month", pass_mark=80)
    svg = str(chart.svg)
    assert svg.startswith("<svg") and 'role="img"' in svg and 'aria-labelledby="t1-t t1-d"' in svg
    assert '<title id="t1-t">Mean score by month</title>' in svg
    desc = re.search(r'<desc id="t1-d">(.*?)</desc>', svg).group(1)
    assert "from Jan 25 to Apr 25: Jan 25 61.0%; Mar 25 63.0%; Apr 25 64.0%." in desc  # no February
    assert "pass mark, 80.0%" in desc
    assert svg.count("<polyline") == 1  # January alone, then March-April joined: February is a gap
    assert chart.headers == ["Month", "Audits", "Mean score", "Pass rate"]
    assert chart.rows[1] == ["Feb 25", "2", "—", "50.0%"]
    assert "style=" not in svg and "<script" not in svg


def test_bar_chart_escapes_labels_and_speaks_spanish(app):
    with app.test_request_context(), force_locale("es"):
        chart = charts.bar_chart([('<img src="http://evil.example/x">', 61.1111, "2 de 4"), ("Nada", None, None)],
                                 uid="b", title="KPI", color="red;fill:url(http://evil)")
    svg = str(chart.svg)
    assert "<img" not in svg and "&lt;img" in svg and "61,1\u00a0%" in svg
    assert 'fill="#0b5c55"' in svg and "evil)" not in svg.split("<desc")[0]  # a bad colour falls back
    assert chart.rows[1] == ["Nada", "—", ""]


def test_comparison_chart_keeps_the_company_colour(app):
    with app.test_request_context(), force_locale("en"):
        chart = charts.comparison_chart([("Section A", [75.0, 80.0])], ["Branch A", "Company"], uid="c",
                                        title="Sections", color="#123456")
    svg = str(chart.svg)
    assert 'fill="#123456"' in svg and f'fill="{charts.SERIES[2]}"' in svg
    assert chart.rows == [["Section A", "75.0%", "80.0%"]]
