"""A date in a query is YYYY-MM-DD, nothing else: `?van=0` is no 1 January 1970."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from ontour.web.api import IsoDate
from ontour.web.problems import install_problem_handlers

app = FastAPI()
install_problem_handlers(app)


@app.get("/lijst")
async def lijst(van: Annotated[IsoDate | None, Query()] = None) -> dict[str, str | None]:
    return {"van": van.isoformat() if isinstance(van, date) else None}


client = TestClient(app)


@pytest.mark.parametrize("value", ["0", "1700000000", "-1", "2026-3-1", "20260301", "2026-02-30"])
def test_anything_but_an_iso_date_is_refused_in_dutch(value):
    response = client.get("/lijst", params={"van": value})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    (param,) = response.json()["invalidParams"]
    assert param["name"] == "van"
    assert param["reason"] == "moet een datum zijn (jjjj-mm-dd)"


def test_an_iso_date_or_none_is_fine():
    assert client.get("/lijst", params={"van": "2026-03-01"}).json() == {"van": "2026-03-01"}
    assert client.get("/lijst").json() == {"van": None}
