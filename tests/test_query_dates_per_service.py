"""Every date in a query of every service is YYYY-MM-DD only (ontour.web.api.IsoDate):
plain `date` would read `?van=0` as a Unix time, 1 January 1970."""

from __future__ import annotations

from datetime import date
from importlib import import_module

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from ontour.devstack.stack import service_names


def date_query_params(service_name: str):
    app = import_module(f"{service_name}.app").service.create_app()
    for context in iter_route_contexts(app.routes):
        route = context.route
        if isinstance(route, APIRoute):
            for param in route.dependant.query_params:
                if "date" in repr(param.field_info.annotation):
                    yield context.path, param


@pytest.mark.parametrize("service_name", service_names())
def test_date_query_params_take_only_an_iso_date(service_name):
    for path, param in date_query_params(service_name):
        where = f"{path}?{param.alias}"
        for value in ("0", "1700000000", "20260301"):
            _, errors = param.validate(value, {}, loc=("query", param.alias))
            assert errors, f"{where}={value} is accepted"
        value, errors = param.validate("2026-03-01", {}, loc=("query", param.alias))
        assert not errors and value == date(2026, 3, 1), where


def test_the_services_have_date_query_params():
    assert sum(len(list(date_query_params(n))) for n in service_names()) >= 8
