from __future__ import annotations

import pytest
from ontour.settings import ServiceSettings
from pydantic import SecretStr, ValidationError


def test_placeholder_secrets_are_refused_outside_development():
    with pytest.raises(ValidationError, match="ONTOUR_SECRET_KEY still has its placeholder"):
        ServiceSettings(service_name="intake", environment="production")


def test_every_secret_is_checked():
    placeholder = "ONTOUR_OIDC_CLIENT_SECRET still has its placeholder"
    with pytest.raises(ValidationError, match=placeholder):
        ServiceSettings(
            service_name="intake",
            environment="production",
            secret_key=SecretStr("a-real-secret-from-the-vault"),
        )


def test_real_secrets_are_accepted_in_production():
    settings = ServiceSettings(
        service_name="intake",
        environment="production",
        secret_key=SecretStr("a-real-secret-from-the-vault"),
        oidc_client_secret=SecretStr("another-real-secret"),
    )
    assert not settings.is_development


def test_placeholders_are_fine_in_development():
    assert ServiceSettings(service_name="intake").is_development


def test_the_metrics_port_is_internal_and_beside_the_http_port():
    settings = ServiceSettings(service_name="intake", http_port=8101)
    assert (settings.metrics_host, settings.metrics_listen_port) == ("127.0.0.1", 9101)
    assert ServiceSettings(service_name="intake", metrics_port=0).metrics_listen_port == 0
