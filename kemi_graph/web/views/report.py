"""The follow-up report: ``/report/<municipality>`` (the slug of ``{base}/id/<municipality>``),
with ``?plan=IRI`` (default: the municipality's first plan) and ``?period=IRI`` (default: every
period the plan reports on, side by side). HTML, printable; ``?format=csv`` (or ``Accept:
text/csv``) one row per indicator and result, cells neutralised for spreadsheets.
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import NotFound

from kemi_graph import formats
from kemi_graph.spreadsheet import safe_csv
from kemi_graph.web import page_kit as pk
from kemi_graph.web.model.report import Report, ReportResult, report

bp = Blueprint("report", __name__)

CSV_COLUMNS = (
    "municipality", "plan", "period", "strategic_goal", "objective", "indicator_fi", "indicator_en", "target",
    "result_fi", "result_en", "status", "indicator", "result",
)


@bp.get("/report/<slug>")
def report_page(slug: str) -> Response:
    iris, store = pk.current_iris(), pk.current_store()
    ui, content = pk.languages()
    municipality = f"{iris.base}/id/{slug}"
    if pk.iri_error(municipality):
        raise NotFound(f"{slug!r} is not a municipality of this dataset")

    def gathered() -> Report:
        """The report's data: the costly part (up to half a second), so only for a page not in the
        cache. InputError (a plan or period not the municipality's) is a 400 with the message."""
        view = report(store, iris, municipality, request.args.get("plan") or None, request.args.get("period") or None)
        if view is None:
            raise NotFound(f"{municipality} is not a municipality with a plan in this dataset")
        return view

    path = f"/report/{slug}"
    wanted = pk.format_param()
    if wanted == "csv" or (wanted is None and request.accept_mimetypes.best_match(["text/html", "text/csv"]) == "text/csv"):
        response = Response(safe_csv(_csv(gathered(), content)), content_type="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="report-{slug}.csv"'
        response.headers["Vary"] = "Accept"
        return response

    def html() -> str:
        return render_template(
            "report.html",
            view=gathered(),
            slug=slug,
            csv_link=request.script_root + path + "?" + _query(("format", "csv")),
            period_link=lambda period: request.script_root + path + "?" + _query(("period", period)),
            canonical=None,
            **pk.context(ui, content),
        )

    return pk.negotiated(path, (formats.HTML,), html, lambda: [])


def _query(*pairs: tuple[str, str]) -> str:
    """This request's query string with ``pairs`` set (an empty value removes the key)."""
    keep = [(k, v) for k, v in request.args.items(multi=True) if k not in {name for name, _ in pairs}]
    return urlencode(keep + [(k, v) for k, v in pairs if v])


def _csv(view: Report, lang: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    periods = {p.value: p.label(lang) for p in view.periods}
    head = [view.municipality.label(lang), view.plan.label(lang)]

    def row(period: str, goal: str, objective: str, indicator: tuple[str, str, str, str], result: ReportResult | None) -> list[str]:
        fi, en, target, iri = indicator
        result_cells = (
            [result.node.labels.get("fi", ""), result.node.labels.get("en", ""), result.status.node.label(lang) if result.status else "", result.node.value]
            if result else ["", "", "", ""]
        )
        return [*head, periods[period], goal, objective, fi, en, target, *result_cells[:3], iri, result_cells[3]]

    for goal in view.goals:
        for objective in goal.objectives:
            names = (goal.node.label("fi"), objective.node.label("fi"))
            for period in periods:
                for indicator in objective.indicators:
                    target = (indicator.target.labels.get("en") or indicator.target.value or "") if indicator.target else ""
                    cells = (indicator.node.labels.get("fi", ""), indicator.node.labels.get("en", ""), target, indicator.node.value)
                    for result in indicator.results.get(period) or [None]:
                        writer.writerow(row(period, *names, cells, result))
                for result in objective.other_results.get(period, []):
                    writer.writerow(row(period, *names, ("", "", "", ""), result))
    return out.getvalue().encode("utf-8")
