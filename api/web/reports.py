"""Coordinator pages: a BIN's acknowledgement report (chart, tables), CSV of each table."""

from __future__ import annotations

import csv
import io
from typing import Literal

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import Id, RuntimeDep
from api.web.chart import rate_chart
from api.web.guard import WebCaller, WebRoute
from api.web.render import page
from binalert.reports import service
from binalert.reports.schemas import BinReport
from binalert.text import csv_cell

router = APIRouter(route_class=WebRoute, include_in_schema=False)
Table = Literal["alerts", "languages", "follow_up"]


@router.get("/bins/{bin_id}/reports")
def report_page(request: Request, caller: WebCaller, runtime: RuntimeDep, bin_id: Id) -> Response:
    with runtime.store.session() as db:
        report = service.bin_report(db, caller, bin_id)
    return page(request, "reports.html", report=report, chart=rate_chart(report.alerts))


def _csv(report: BinReport, table: Table) -> str:
    rows = getattr(report, table)
    out = io.StringIO()
    writer = csv.writer(out)
    fields = list(type(rows[0]).model_fields) if rows else []
    writer.writerow(fields)
    for row in rows:
        values = row.model_dump(mode="json")
        writer.writerow([csv_cell(values[f]) for f in fields])
    return out.getvalue()


@router.get("/bins/{bin_id}/reports/{table}.csv")
def report_csv(caller: WebCaller, runtime: RuntimeDep, bin_id: Id, table: Table) -> Response:
    with runtime.store.session() as db:
        report = service.bin_report(db, caller, bin_id)
    headers = {"Content-Disposition": f'attachment; filename="bin-{bin_id}-{table}.csv"'}
    return Response(_csv(report, table), media_type="text/csv; charset=utf-8", headers=headers)
