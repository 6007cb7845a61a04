"""Keycloak in compose: the realm import (deploy/keycloak/ontour-realm.json) and the
`keycloak` service, checked without a Docker engine.

The realm is read the way Keycloak reads it: `${NAME}` placeholders are filled from the
container's environment (so each must be passed to the container and documented), the
browser flow is evaluated step by step for every demo user (OTP exactly for the roles
that include `mfa-verplicht`, BIO2 5.17.01), and the tokens it would issue are read with
the product's own claim handling. Compose's side: the service, its own database login
(run for real against PostgreSQL with compose's environment), the issuer the services
get, and Caddy's /idp route.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from deploy_support import (
    DEPLOY,
    ENV_EXAMPLE,
    KEYCLOAK_REALM_FILE,
    SERVICES,
    InterpolationError,
    compose_env,
    compose_model,
    compose_raw,
    docker_compose,
    documented_variables,
    postgres_servers,
    run,
    run_psql,
    write_env_file,
)
from ontour.auth.principal import Role, roles_from_claims
from ontour.devstack.idp import DEMO_USERS
from ontour.settings import ServiceSettings

REALM = "ontour"
CLIENT_ID = "ontour"
MFA_ROLE = "mfa-verplicht"
PRODUCT_ROLES = {role.value for role in Role}
# BIO2 5.17.01: a second factor for the roles with the most reach.
MFA_PRODUCT_ROLES = {Role.COORDINATOR.value, Role.BEHEERDER.value}
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
IMPORT_DIR = "/opt/keycloak/data/import/"
HTTP_PORT = 8080  # Keycloak's HTTP port in the container (KC_HTTP_PORT not set)
MANAGEMENT_PORT = 9000  # health endpoints (KC_HTTP_MANAGEMENT_PORT not set)


# --- Helpers ----------------------------------------------------------------------------


def realm_text() -> str:
    return KEYCLOAK_REALM_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    data = json.loads(realm_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def single() -> dict[str, Any]:
    return compose_model(compose_env())


def keycloak_substitute(text: str, env: dict[str, str]) -> str:
    """What Keycloak does to an imported realm file: ${NAME} from the environment
    (${NAME:default} falls back); an unknown name stays as it is."""

    def replace(match: re.Match[str]) -> str:
        name, _, default = match.group(1).partition(":")
        return env.get(name, default if ":" in match.group(1) else match.group(0))

    return PLACEHOLDER.sub(replace, text)


def realm_as_imported(env: dict[str, str]) -> dict[str, Any]:
    data = json.loads(keycloak_substitute(realm_text(), env))
    assert isinstance(data, dict)
    return data


def client(realm: dict[str, Any]) -> dict[str, Any]:
    [found] = [c for c in realm["clients"] if c["clientId"] == CLIENT_ID]
    return found


def realm_roles(realm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {role["name"]: role for role in realm["roles"]["realm"]}


def effective_roles(realm: dict[str, Any], assigned: list[str]) -> set[str]:
    """Realm roles with their composites expanded (what Keycloak puts in the token)."""
    roles = realm_roles(realm)
    seen: set[str] = set()
    todo = list(assigned)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        role = roles.get(name, {})
        if role.get("composite"):
            todo += role.get("composites", {}).get("realm", [])
    return seen


def demo_users(realm: dict[str, Any]) -> list[dict[str, Any]]:
    return list(realm["users"])


def product_roles_of(user: dict[str, Any]) -> set[str]:
    return set(user.get("realmRoles", [])) & PRODUCT_ROLES


def flows(realm: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {flow["alias"]: flow for flow in realm["authenticationFlows"]}


def authenticator_configs(realm: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {config["alias"]: config["config"] for config in realm["authenticatorConfig"]}


def executions(flow: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(flow["authenticationExecutions"], key=lambda e: e["priority"])


class FlowSimulator:
    """Keycloak's flow semantics, enough for these flows: a fresh sign-in (no session
    cookie) by a user with the given realm roles who enters the right password and code.

    In a flow, REQUIRED and CONDITIONAL executions all run and ALTERNATIVE ones are then
    ignored; without them the first ALTERNATIVE that succeeds wins. A CONDITIONAL subflow
    runs only when all its `conditional-*` executions hold. Returns the authenticators
    that asked the user for something, in order."""

    # Authenticators that succeed for a user who knows password and code; the cookie
    # fails (no session yet).
    INTERACTIVE: ClassVar[frozenset[str]] = frozenset(
        {
            "auth-username-password-form",
            "auth-otp-form",
            "direct-grant-validate-username",
            "direct-grant-validate-password",
            "direct-grant-validate-otp",
        }
    )
    FAILS: ClassVar[frozenset[str]] = frozenset(
        {"auth-cookie", "identity-provider-redirector", "auth-spnego"}
    )

    def __init__(self, realm: dict[str, Any], roles: set[str]) -> None:
        self.realm = realm
        self.flows = flows(realm)
        self.configs = authenticator_configs(realm)
        self.roles = roles

    def run(self, alias: str) -> list[str]:
        steps = self._flow(self.flows[alias])
        assert steps is not None, f"{alias}: the sign-in fails"
        return steps

    def _condition(self, execution: dict[str, Any]) -> bool:
        authenticator = execution["authenticator"]
        config = self.configs.get(execution.get("authenticatorConfig", ""), {})
        if authenticator == "conditional-user-role":
            holds = config["condUserRole"] in self.roles
            return holds != (config.get("negate", "false") == "true")
        raise AssertionError(f"condition {authenticator} not simulated here")

    def _execution(self, execution: dict[str, Any]) -> list[str] | None:
        if execution.get("authenticatorFlow"):
            return self._flow(self.flows[execution["flowAlias"]])
        authenticator = execution["authenticator"]
        if authenticator in self.FAILS:
            return None
        if authenticator == "auth-conditional-otp-form":
            config = self.configs[execution["authenticatorConfig"]]
            forced = config.get("forceOtpRole") in self.roles
            assert config.get("defaultOtpOutcome") == "skip"
            return ["auth-otp-form"] if forced else []
        assert authenticator in self.INTERACTIVE, f"{authenticator} not simulated here"
        return [authenticator]

    def _flow(self, flow: dict[str, Any]) -> list[str] | None:
        steps = executions(flow)
        mandatory = [e for e in steps if e["requirement"] in ("REQUIRED", "CONDITIONAL")]
        if mandatory:
            done: list[str] = []
            for execution in mandatory:
                if execution["requirement"] == "CONDITIONAL":
                    sub = self.flows[execution["flowAlias"]]
                    conditions = [
                        e
                        for e in executions(sub)
                        if str(e.get("authenticator", "")).startswith("conditional-")
                    ]
                    assert conditions, f"{sub['alias']}: a conditional flow without condition"
                    if not all(self._condition(c) for c in conditions):
                        continue
                    rest = [e for e in executions(sub) if e not in conditions]
                    for inner in rest:
                        assert inner["requirement"] == "REQUIRED", sub["alias"]
                        result = self._execution(inner)
                        if result is None:
                            return None
                        done += result
                    continue
                result = self._execution(execution)
                if result is None:
                    return None
                done += result
            return done
        for execution in steps:
            if execution["requirement"] == "ALTERNATIVE":
                result = self._execution(execution)
                if result is not None:
                    return result
        return None


# --- The realm ------------------------------------------------------------------------------


def test_realm_file_parses_and_is_the_ontour_realm(realm) -> None:
    assert realm["realm"] == REALM
    assert realm["enabled"] is True
    assert realm["registrationAllowed"] is False
    assert realm["loginWithEmailAllowed"] is True
    assert realm["duplicateEmailsAllowed"] is False
    # Dutch first.
    assert realm["internationalizationEnabled"] is True
    assert realm["supportedLocales"] == ["nl", "en"]
    assert realm["defaultLocale"] == "nl"
    # Outside private networks only over HTTPS.
    assert realm["sslRequired"] == "external"


def test_exactly_the_four_product_roles_and_mfa_verplicht(realm) -> None:
    roles = realm_roles(realm)
    assert set(roles) == PRODUCT_ROLES | {MFA_ROLE}
    for name, role in roles.items():
        assert len(role.get("description", "")) > 20, f"{name}: describe the role (Dutch)"
    for name in PRODUCT_ROLES:
        composites = roles[name].get("composites", {}).get("realm", [])
        expected = [MFA_ROLE] if name in MFA_PRODUCT_ROLES else []
        assert composites == expected, name
        assert roles[name].get("composite", False) is bool(expected), name
    assert not roles[MFA_ROLE].get("composite", False)


def test_only_coordinator_and_beheerder_effectively_have_mfa_verplicht(realm) -> None:
    for name in PRODUCT_ROLES:
        has_mfa = MFA_ROLE in effective_roles(realm, [name])
        assert has_mfa is (name in MFA_PRODUCT_ROLES), name


def test_demo_users_are_personal_accounts_with_one_product_role(realm) -> None:
    users = demo_users(realm)
    usernames = [u["username"] for u in users]
    emails = [u["email"] for u in users]
    # No shared accounts (BIO2 5.16.02): one person, one account, one address.
    assert len(set(usernames)) == len(usernames)
    assert len(set(e.lower() for e in emails)) == len(emails)
    for user in users:
        name = user["username"]
        assert re.fullmatch(r"[a-z]+\.[a-z]+", name), f"{name}: a personal name, not a team"
        assert user["email"] == f"{name}@voorbeeld.nl"
        assert user["firstName"] and user["lastName"], name
        assert user["enabled"] is True
        assert len(product_roles_of(user)) == 1, f"{name}: exactly one product role"
        assert set(user["realmRoles"]) - PRODUCT_ROLES <= {f"default-roles-{REALM}"}, name
        assert MFA_ROLE not in user["realmRoles"], f"{name}: mfa-verplicht comes with the role"
    # Every role can be tried out.
    assert set().union(*(product_roles_of(u) for u in users)) == PRODUCT_ROLES


def test_demo_users_are_the_people_of_the_development_idp(realm) -> None:
    # `make up` and compose offer the same fictional people with the same roles.
    ours = {
        u["username"]: (f"{u['firstName']} {u['lastName']}", sorted(product_roles_of(u)))
        for u in demo_users(realm)
    }
    theirs = {str(u["sub"]): (str(u["name"]), sorted(map(str, u["roles"]))) for u in DEMO_USERS}
    assert ours == theirs


def test_demo_passwords_come_from_the_placeholder_and_are_temporary(realm) -> None:
    for user in demo_users(realm):
        [credential] = user["credentials"]
        assert credential["type"] == "password"
        assert credential["value"] == "${ONTOUR_DEMO_PASSWORD}", user["username"]
        assert credential["temporary"] is True, user["username"]
        assert "UPDATE_PASSWORD" in user["requiredActions"], user["username"]


def test_no_literal_secret_anywhere_in_the_realm(realm) -> None:
    def walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{path}/{index}")
        else:
            yield path, node

    secret_path = re.compile(r"(secret|password|/credentials/\d+/value)$", re.IGNORECASE)
    found = [(p, v) for p, v in walk(realm, "") if secret_path.search(p)]
    assert found, "the realm has a client secret and demo passwords"
    for path, value in found:
        assert isinstance(value, str) and PLACEHOLDER.fullmatch(value), f"{path} is literal"
    assert "hashedSaltedValue" not in realm_text() and "secretData" not in realm_text()


def test_coordinator_and_beheerder_must_set_up_totp(realm) -> None:
    for user in demo_users(realm):
        has_mfa = MFA_ROLE in effective_roles(realm, user["realmRoles"])
        assert has_mfa is bool(product_roles_of(user) & MFA_PRODUCT_ROLES)
        assert ("CONFIGURE_TOTP" in user["requiredActions"]) is has_mfa, user["username"]


def test_the_flows_are_complete_and_consistent(realm) -> None:
    by_alias = flows(realm)
    assert len(by_alias) == len(realm["authenticationFlows"]), "flow aliases must be unique"
    configs = authenticator_configs(realm)
    assert len(configs) == len(realm["authenticatorConfig"])
    # A realm file with its own flows gets no default browser, direct grant or
    # registration flow from Keycloak: those it binds must be in the file.
    for binding in ("browserFlow", "directGrantFlow", "registrationFlow"):
        flow = by_alias[realm[binding]]
        assert flow["topLevel"] is True, binding
    referenced = set()
    for flow in by_alias.values():
        assert flow["providerId"] in ("basic-flow", "form-flow"), flow["alias"]
        for execution in flow["authenticationExecutions"]:
            if execution.get("authenticatorFlow"):
                target = by_alias[execution["flowAlias"]]
                assert target["topLevel"] is False, execution["flowAlias"]
                referenced.add(execution["flowAlias"])
            else:
                assert execution["authenticator"], flow["alias"]
            if "authenticatorConfig" in execution:
                assert execution["authenticatorConfig"] in configs
            assert execution["requirement"] in (
                "REQUIRED",
                "ALTERNATIVE",
                "CONDITIONAL",
                "DISABLED",
            )
    subflows = {alias for alias, flow in by_alias.items() if not flow["topLevel"]}
    assert subflows == referenced, "every subflow is used, once"


@pytest.mark.parametrize("binding", ["browserFlow", "directGrantFlow"])
def test_otp_is_forced_exactly_for_mfa_verplicht(realm, binding: str) -> None:
    otp = "auth-otp-form" if binding == "browserFlow" else "direct-grant-validate-otp"
    password = (
        "auth-username-password-form"
        if binding == "browserFlow"
        else "direct-grant-validate-password"
    )
    for user in demo_users(realm):
        roles = effective_roles(realm, user["realmRoles"])
        steps = FlowSimulator(realm, roles).run(realm[binding])
        assert password in steps, user["username"]
        wants_otp = bool(product_roles_of(user) & MFA_PRODUCT_ROLES)
        assert (otp in steps) is wants_otp, f"{user['username']}: {steps}"
        if wants_otp:
            assert steps.index(password) < steps.index(otp)
    # And for anyone who gets one of these roles later, not just the demo users.
    for name in PRODUCT_ROLES:
        steps = FlowSimulator(realm, effective_roles(realm, [name])).run(realm[binding])
        assert (otp in steps) is (name in MFA_PRODUCT_ROLES), name


def test_the_simulator_would_notice_a_weakened_flow(realm) -> None:
    # Switching the OTP subflow off must show up as "no OTP for the coordinator".
    weakened = json.loads(json.dumps(realm))
    for flow in weakened["authenticationFlows"]:
        for execution in flow["authenticationExecutions"]:
            if execution["requirement"] == "CONDITIONAL":
                execution["requirement"] = "DISABLED"
    roles = effective_roles(weakened, [Role.COORDINATOR.value])
    assert "auth-otp-form" not in FlowSimulator(weakened, roles).run(weakened["browserFlow"])


def test_policies_otp_brute_force_passwords_and_sessions(realm) -> None:
    assert realm["otpPolicyType"] == "totp"
    assert realm["otpPolicyDigits"] == 6
    assert realm["otpPolicyPeriod"] == 30
    assert realm.get("otpPolicyCodeReusable", False) is False
    assert realm["bruteForceProtected"] is True
    assert 0 < realm["failureFactor"] <= 10
    policy = realm["passwordPolicy"]
    assert (
        re.search(r"\blength\((\d+)\)", policy)
        and int(re.search(r"\blength\((\d+)\)", policy).group(1)) >= 12
    )
    assert "notUsername" in policy
    # 30 minutes idle, 8 hours at most (a working day), short access tokens.
    assert realm["ssoSessionIdleTimeout"] == 30 * 60
    assert realm["ssoSessionMaxLifespan"] == 8 * 60 * 60
    assert realm["accessTokenLifespan"] <= 5 * 60
    assert realm.get("rememberMe", False) is False
    # Sign-in events are kept (who signed in when; no details of admin changes).
    assert realm["eventsEnabled"] is True
    assert realm["adminEventsEnabled"] is True


# --- The client -------------------------------------------------------------------------------


def test_client_is_confidential_with_pkce_and_the_code_flow_only(realm) -> None:
    ontour = client(realm)
    assert ontour["enabled"] is True
    assert ontour["protocol"] == "openid-connect"
    assert ontour["publicClient"] is False
    assert ontour.get("bearerOnly", False) is False
    assert ontour["clientAuthenticatorType"] == "client-secret"
    assert ontour["secret"] == "${ONTOUR_OIDC_CLIENT_SECRET}"
    assert ontour["standardFlowEnabled"] is True
    assert ontour["implicitFlowEnabled"] is False
    assert ontour["directAccessGrantsEnabled"] is False
    assert ontour["serviceAccountsEnabled"] is False
    assert ontour.get("authorizationServicesEnabled", False) is False
    attributes = ontour["attributes"]
    assert attributes["pkce.code.challenge.method"] == "S256"
    assert attributes.get("oauth2.device.authorization.grant.enabled") == "false"
    assert attributes.get("oidc.ciba.grant.enabled") == "false"
    assert ontour["redirectUris"] == ["${ONTOUR_PUBLIC_BASE_URL}/auth/callback"]
    assert attributes["post.logout.redirect.uris"] == "${ONTOUR_PUBLIC_BASE_URL}/*"
    assert ontour["webOrigins"] == []


@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8080", "https://ontour.example.org"])
def test_redirect_uris_are_the_ones_the_front_door_sends(base_url: str) -> None:
    # The front door (ontour.auth.oidc) builds its URIs from ONTOUR_PUBLIC_BASE_URL;
    # Keycloak compares redirect_uri exactly and the logout target against the pattern.
    imported = client(realm_as_imported({"ONTOUR_PUBLIC_BASE_URL": base_url}))
    settings = ServiceSettings(service_name="frontdoor", public_base_url=base_url)
    assert imported["redirectUris"] == [f"{settings.public_base_url.rstrip('/')}/auth/callback"]
    pattern = imported["attributes"]["post.logout.redirect.uris"]
    assert fnmatch.fnmatchcase(f"{settings.public_base_url.rstrip('/')}/", pattern)
    assert not fnmatch.fnmatchcase("https://elders.example.org/", pattern)
    # Back-channel logout: Keycloak tells the front door which sessions to end.
    backchannel = imported["attributes"]["backchannel.logout.url"]
    assert backchannel == f"{settings.public_base_url.rstrip('/')}/auth/backchannel-logout"
    assert imported["attributes"]["backchannel.logout.session.required"] == "true"


def test_tokens_carry_what_the_services_check(realm, single) -> None:
    ontour = client(realm)
    env = single["services"]["frontdoor"]["environment"]
    assert env["ONTOUR_OIDC_CLIENT_ID"] == CLIENT_ID
    mappers = {m["protocolMapper"]: m for m in ontour["protocolMappers"]}
    assert len(mappers) == len(ontour["protocolMappers"])
    # API Bearer tokens: `aud` must contain ONTOUR_OIDC_API_AUDIENCE (ontour.auth.tokens),
    # an audience of its own: an ID token (aud = the client id) is no API token.
    api_audience = env.get("ONTOUR_OIDC_API_AUDIENCE", ServiceSettings.model_fields[
        "oidc_api_audience"].default)  # fmt: skip
    audience = mappers["oidc-audience-mapper"]["config"]
    assert audience["included.custom.audience"] == api_audience != CLIENT_ID
    assert audience["access.token.claim"] == "true"
    assert audience["id.token.claim"] == "false"
    # Roles: in the access token (Bearer) and in the ID token (the sign-in reads that).
    roles = mappers["oidc-usermodel-realm-role-mapper"]["config"]
    assert roles["claim.name"] == env["ONTOUR_OIDC_ROLES_CLAIM"] == "realm_access.roles"
    assert roles["multivalued"] == "true"
    assert roles["access.token.claim"] == "true"
    assert roles["id.token.claim"] == "true"
    # A display name (`name`) in the ID token.
    name = mappers["oidc-full-name-mapper"]["config"]
    assert name["id.token.claim"] == "true"
    # `basic` puts `sub` in the access token (Keycloak 25+); `roles` is Keycloak's own
    # realm_access.roles; `profile` and `email` for the account.
    assert {"basic", "roles", "profile"} <= set(ontour["defaultClientScopes"])


def token_payload(realm: dict[str, Any], user: dict[str, Any], issuer: str) -> dict[str, Any]:
    """An access token as Keycloak would issue it for this user (the claims that matter)."""
    return {
        "iss": issuer,
        "aud": ["ontour-api", "account"],
        "sub": "0b6f1c2e-6d1a-4c55-9b0e-3f1f2f6c8a11",
        "typ": "Bearer",
        "azp": CLIENT_ID,
        "preferred_username": user["username"],
        "name": f"{user['firstName']} {user['lastName']}",
        "realm_access": {
            "roles": sorted(
                effective_roles(realm, user["realmRoles"]) | {"offline_access", "uma_authorization"}
            )
        },
        "resource_access": {"account": {"roles": ["manage-account", "view-profile"]}},
        "scope": "openid profile email",
    }


def test_the_roles_claim_of_compose_yields_the_users_roles(realm, single) -> None:
    claim = single["services"]["frontdoor"]["environment"]["ONTOUR_OIDC_ROLES_CLAIM"]
    assert claim == "realm_access.roles"
    issuer = single["services"]["frontdoor"]["environment"]["ONTOUR_OIDC_ISSUER"]
    for user in demo_users(realm):
        payload = token_payload(realm, user, issuer)
        expected = {Role(r) for r in product_roles_of(user)}
        # Keycloak's technical roles (default-roles-ontour, offline_access,
        # mfa-verplicht, ...) are not product roles and are dropped.
        assert roles_from_claims(payload, claim) == expected, user["username"]
    # The shape matters: the top-level `roles` claim of the development IdP is not there.
    assert roles_from_claims(token_payload(realm, demo_users(realm)[0], issuer), "roles") == (
        frozenset()
    )


# --- Placeholders: documented, and passed to the container ------------------------------------


def test_every_placeholder_is_documented_and_passed_to_keycloak(single) -> None:
    names = set(PLACEHOLDER.findall(realm_text()))
    assert names == {"ONTOUR_PUBLIC_BASE_URL", "ONTOUR_OIDC_CLIENT_SECRET", "ONTOUR_DEMO_PASSWORD"}
    for name in names:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), f"${{{name}}}: no defaults in the realm"
    assert names <= documented_variables(ENV_EXAMPLE)
    environment = single["services"]["keycloak"]["environment"]
    missing = names - set(environment)
    assert not missing, f"not passed to the keycloak container: {sorted(missing)}"
    for name in names:
        assert environment[name], name
    # The same values as the services: one base URL, one client secret.
    services_env = single["services"]["frontdoor"]["environment"]
    for name in ("ONTOUR_PUBLIC_BASE_URL", "ONTOUR_OIDC_CLIENT_SECRET"):
        assert environment[name] == services_env[name], name
    # Filled in, the realm is still valid JSON and holds no placeholder any more.
    imported = keycloak_substitute(realm_text(), {k: str(v) for k, v in environment.items()})
    json.loads(imported)
    assert not PLACEHOLDER.search(imported)


def test_the_realm_is_mounted_into_the_import_directory() -> None:
    raw = compose_raw()["services"]["keycloak"]
    mounts = [v for v in raw["volumes"] if IMPORT_DIR in v]
    target = f"{IMPORT_DIR}{KEYCLOAK_REALM_FILE.name}"
    assert mounts == [f"./{KEYCLOAK_REALM_FILE.relative_to(DEPLOY.parent)}:{target}:ro"]
    assert KEYCLOAK_REALM_FILE.suffix == ".json"  # --import-realm reads *.json only


# --- The keycloak service ---------------------------------------------------------------------


def test_keycloak_service_runs_production_mode_with_the_realm_import(single) -> None:
    keycloak = single["services"]["keycloak"]
    assert re.fullmatch(r"quay\.io/keycloak/keycloak:26\.\d+\.\d+", keycloak["image"])
    command = keycloak["command"]
    assert command[0] == "start" and "--import-realm" in command
    if "--optimized" in command:
        assert "build" in keycloak, "--optimized needs an image built with `kc.sh build`"
    env = keycloak["environment"]
    assert env["KC_HTTP_RELATIVE_PATH"] == "/idp"
    assert env["KC_HOSTNAME"] == "http://127.0.0.1:8080/idp"
    assert env["KC_HOSTNAME_BACKCHANNEL_DYNAMIC"] == "true"
    assert env["KC_PROXY_HEADERS"] == "xforwarded"
    assert env["KC_HTTP_ENABLED"] == "true"
    assert env["KC_HEALTH_ENABLED"] == "true"
    assert keycloak["restart"] == "unless-stopped"
    # Reached through Caddy only.
    assert "ports" not in keycloak
    assert keycloak["cap_drop"] == ["ALL"]
    assert "no-new-privileges:true" in keycloak["security_opt"]


def test_keycloak_has_its_own_database_login(single) -> None:
    keycloak = single["services"]["keycloak"]["environment"]
    postgres = single["services"]["postgres"]["environment"]
    assert keycloak["KC_DB"] == "postgres"
    assert keycloak["KC_DB_URL"] == "jdbc:postgresql://postgres:5432/keycloak"
    assert keycloak["KC_DB_USERNAME"] == "keycloak"
    # The init script creates database and login `keycloak` with this password.
    assert "keycloak" in postgres["ONTOUR_DB_SERVICES"].split()
    assert keycloak["KC_DB_PASSWORD"] == postgres["ONTOUR_DB_PASSWORD_KEYCLOAK"]
    for name in postgres["ONTOUR_DB_SERVICES"].split():
        assert f"ONTOUR_DB_PASSWORD_{name.upper()}" in postgres, name
    assert postgres["ONTOUR_DB_SERVICES"].split()[: len(SERVICES)] == list(SERVICES)
    # Nobody else uses Keycloak's login or database.
    for name, service in single["services"].items():
        if name not in ("keycloak", "postgres"):
            text = json.dumps(service.get("environment", {}))
            assert keycloak["KC_DB_PASSWORD"] not in text, name


@pytest.mark.parametrize(
    "variable", ["KEYCLOAK_ADMIN_PASSWORD", "ONTOUR_DB_PASSWORD_KEYCLOAK", "ONTOUR_DEMO_PASSWORD"]
)
def test_keycloak_secrets_are_required(variable: str) -> None:
    raw = json.dumps(compose_raw()["services"]["keycloak"]["environment"])
    assert f"${{{variable}:?" in raw
    env = compose_env()
    env[variable] = ""
    with pytest.raises(InterpolationError, match=variable):
        compose_model(env)


def test_admin_credentials_come_from_the_environment() -> None:
    raw = compose_raw()["services"]["keycloak"]["environment"]
    assert raw["KC_BOOTSTRAP_ADMIN_PASSWORD"].startswith("${KEYCLOAK_ADMIN_PASSWORD:?")
    values = compose_env()
    env = compose_model(values)["services"]["keycloak"]["environment"]
    assert env["KC_BOOTSTRAP_ADMIN_PASSWORD"] == values["KEYCLOAK_ADMIN_PASSWORD"]
    assert env["KC_BOOTSTRAP_ADMIN_USERNAME"] == "admin"
    # The names Keycloak 26 reads (KEYCLOAK_ADMIN* are gone).
    assert not {"KEYCLOAK_ADMIN", "KEYCLOAK_ADMIN_PASSWORD"} & set(env)


def test_keycloak_healthcheck_asks_the_management_port_without_curl(single) -> None:
    check = single["services"]["keycloak"]["healthcheck"]
    test = check["test"]
    assert test[:3] == ["CMD", "bash", "-c"]
    script = test[3]
    assert f"/dev/tcp/127.0.0.1/{MANAGEMENT_PORT}" in script
    relative = single["services"]["keycloak"]["environment"]["KC_HTTP_RELATIVE_PATH"]
    # The management interface follows KC_HTTP_RELATIVE_PATH.
    assert f"GET {relative}/health/ready HTTP/1.1" in script
    assert " 200 " in script
    assert "curl" not in script and "wget" not in script
    assert "$status" in script  # compose's $$ became a shell $
    assert check["start_period"] and check["retries"] >= 6


def test_keycloak_healthcheck_script_works_against_a_real_http_server(single) -> None:
    # The same bash line, pointed at a local HTTP server answering like Keycloak.
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        status = 200

        def do_GET(self) -> None:
            code = Handler.status if self.path == "/idp/health/ready" else 404
            body = b'{"status": "UP", "checks": []}'
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        script = single["services"]["keycloak"]["healthcheck"]["test"][3].replace(
            f"/{MANAGEMENT_PORT}", f"/{server.server_address[1]}"
        )
        assert run(["bash", "-c", script], timeout=10).returncode == 0
        Handler.status = 503
        assert run(["bash", "-c", script], timeout=10).returncode != 0
    finally:
        server.shutdown()
        server.server_close()
    assert run(["bash", "-c", script], timeout=10).returncode != 0  # nothing listening


def test_docker_compose_reads_the_keycloak_service_as_these_tests_do(tmp_path) -> None:
    # The real Compose CLI (nested defaults, $$ in the healthcheck) agrees with the model.
    env = compose_env()
    result = docker_compose(
        "config", "--format", "json", env_files=[write_env_file(tmp_path / ".env", env)]
    )
    assert result.returncode == 0, result.stderr
    theirs = json.loads(result.stdout)["services"]
    ours = compose_model(env)["services"]
    assert theirs["keycloak"]["environment"] == ours["keycloak"]["environment"]
    # `config` prints a compose file again, so it writes a literal $ as $$.
    check = [arg.replace("$$", "$") for arg in theirs["keycloak"]["healthcheck"]["test"]]
    assert check == ours["keycloak"]["healthcheck"]["test"]
    assert theirs["keycloak"]["command"] == ours["keycloak"]["command"]
    for name in ("frontdoor", "caddy", "postgres"):
        assert theirs[name]["environment"] == ours[name]["environment"], name


@pytest.mark.parametrize("base_url", [None, "https://ontour.example.org"])
def test_the_services_issuer_is_keycloaks_realm_url(base_url: str | None) -> None:
    env = compose_env(**({"ONTOUR_PUBLIC_BASE_URL": base_url} if base_url else {}))
    model = compose_model(env)
    keycloak = model["services"]["keycloak"]["environment"]
    issuer = f"{keycloak['KC_HOSTNAME']}/realms/{REALM}"
    expected_base = base_url or "http://127.0.0.1:8080"
    assert issuer == f"{expected_base}/idp/realms/{REALM}"
    internal = (
        f"http://keycloak:{HTTP_PORT}{keycloak['KC_HTTP_RELATIVE_PATH']}/realms/{REALM}"
        "/.well-known/openid-configuration"
    )
    for name in (*SERVICES, "frontdoor"):
        service_env = model["services"][name]["environment"]
        assert service_env["ONTOUR_OIDC_ISSUER"] == issuer, name
        assert service_env["ONTOUR_OIDC_DISCOVERY_URL"] == internal, name
        assert service_env["ONTOUR_OIDC_ROLES_CLAIM"] == "realm_access.roles", name
        assert service_env["ONTOUR_PUBLIC_BASE_URL"] == keycloak["ONTOUR_PUBLIC_BASE_URL"]


def test_another_identity_provider_can_still_be_configured() -> None:
    model = compose_model(
        compose_env(
            ONTOUR_OIDC_ISSUER="https://sso.example.org/realms/ontour",
            ONTOUR_OIDC_DISCOVERY_URL="",
        )
    )
    env = model["services"]["intake"]["environment"]
    assert env["ONTOUR_OIDC_ISSUER"] == "https://sso.example.org/realms/ontour"


def test_caddy_routes_idp_to_keycloak(single) -> None:
    caddyfile = (DEPLOY / "caddy" / "Caddyfile").read_text(encoding="utf-8")
    relative = single["services"]["keycloak"]["environment"]["KC_HTTP_RELATIVE_PATH"]
    block = re.search(
        r"handle " + re.escape(relative) + r"/\* \{\s*reverse_proxy \{\$KEYCLOAK_UPSTREAM:[^}]+\}",
        caddyfile,
    )
    assert block, "Caddy must pass /idp/* to Keycloak unchanged (no strip_prefix)"
    assert "strip_prefix" not in caddyfile and "uri strip" not in caddyfile
    upstream = single["services"]["caddy"]["environment"]["KEYCLOAK_UPSTREAM"]
    assert upstream == f"keycloak:{HTTP_PORT}"
    assert single["services"]["caddy"]["depends_on"]["keycloak"]["condition"] == ("service_healthy")


def test_the_front_door_waits_for_keycloak(single) -> None:
    depends = single["services"]["frontdoor"]["depends_on"]
    assert depends["keycloak"]["condition"] == "service_healthy"
    assert single["services"]["keycloak"]["depends_on"]["postgres"]["condition"] == (
        "service_healthy"
    )


# --- PostgreSQL: the init script with compose's environment ----------------------------------


def test_init_script_with_compose_environment_gives_keycloak_its_own_database(single) -> None:
    postgres = {k: str(v) for k, v in single["services"]["postgres"]["environment"].items()}
    passed = {
        k: v for k, v in postgres.items() if k.startswith("ONTOUR_DB_") and k != "POSTGRES_PASSWORD"
    }
    script = DEPLOY / "postgres" / "init" / "10-ontour-databases.sh"
    with postgres_servers() as make:
        server = make("pg")
        run(["bash", str(script)], env=server.env(**passed), check=True)

        def psql(user: str, database: str, sql: str) -> Any:
            return run_psql(server, user, database, sql)

        # Keycloak creates its tables in its own database (public schema).
        own = psql("keycloak", "keycloak", "CREATE TABLE realm (id text); SELECT 1")
        assert own.returncode == 0, own.stderr
        for other in [*SERVICES, "postgres"]:
            refused = psql("keycloak", other, "SELECT 1")
            assert refused.returncode != 0 and "permission denied" in refused.stderr
        for name in SERVICES:
            assert psql(name, "keycloak", "SELECT 1").returncode != 0, name
        flags = psql(
            "postgres",
            "postgres",
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = 'keycloak'",
        )
        assert flags.stdout.strip() == "f|f|f"


# --- Documentation --------------------------------------------------------------------------


def test_operations_guide_covers_keycloak() -> None:
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for needle in (
        "Keycloak",
        "ontour-realm.json",
        "TOTP",
        "KEYCLOAK_ADMIN_PASSWORD",
        "ONTOUR_DEMO_PASSWORD",
        "/idp/admin/",
        "Keycloak Operator",
    ):
        assert needle in guide, needle
    for user in DEMO_USERS:
        assert str(user["sub"]) in guide, user["sub"]
