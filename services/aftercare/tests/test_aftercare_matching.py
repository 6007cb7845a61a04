"""Matching one request: every disqualifier and weighted rule on its own, then the ranking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from aftercare.domain.matching import (
    DEFAULT_WEIGHTS,
    Disqualifier,
    MatchWeights,
    Rule,
    is_eligible,
    objections,
    propose,
)
from aftercare.domain.vocabulary import (
    Gender,
    GenderWish,
    IncidentCategory,
    PeerBackground,
    RequesterRole,
)
from aftercare_support import T0, peer, request

ONLINE = IncidentCategory.ONLINE_INTIMIDATIE


def only_candidate(req, candidate_peer, weights=DEFAULT_WEIGHTS):
    proposal = propose(req, [candidate_peer], weights)
    assert proposal.excluded == ()
    (candidate,) = proposal.candidates
    return candidate


def points_for(candidate, rule):
    return sum(c.points for c in candidate.contributions if c.rule is rule)


@pytest.mark.parametrize(
    ("req", "excluded_peer", "disqualifier", "reason"),
    [
        (
            request(),
            peer(organisation_codes=frozenset({"GM0014", "GM0034"})),
            Disqualifier.SAME_ORGANISATION,
            "is of was verbonden aan dezelfde organisatie (GM0014)",
        ),
        (
            request(),
            peer(conflict_codes=frozenset({"GM0014"})),
            Disqualifier.CONFLICT,
            "heeft een belangenconflict gemeld met GM0014",
        ),
        (
            request(declined_by=frozenset({"peer-a"})),
            peer(),
            Disqualifier.DECLINED,
            "heeft dit verzoek eerder afgewezen",
        ),
        (
            request(),
            peer(capacity=3, active_cases=3),
            Disqualifier.AT_CAPACITY,
            "geen plaats vrij (3 van 3 plaatsen bezet)",
        ),
        (
            request(),
            peer(available=False),
            Disqualifier.UNAVAILABLE,
            "is op dit moment niet beschikbaar",
        ),
        (
            request(gender_wish=GenderWish.VROUW),
            peer(gender=Gender.MAN),
            Disqualifier.GENDER,
            "de aanvrager vraagt om een vrouwelijke peer",
        ),
        (
            request(gender_wish=GenderWish.VROUW),
            peer(gender=Gender.ANDERS),
            Disqualifier.GENDER,
            "de aanvrager vraagt om een vrouwelijke peer",
        ),
        (
            request(gender_wish=GenderWish.MAN),
            peer(gender=Gender.VROUW),
            Disqualifier.GENDER,
            "de aanvrager vraagt om een mannelijke peer",
        ),
    ],
)
def test_each_disqualifier_excludes_with_its_reason(req, excluded_peer, disqualifier, reason):
    proposal = propose(req, [excluded_peer])
    assert proposal.candidates == ()
    (exclusion,) = proposal.excluded
    assert exclusion.peer_id == excluded_peer.peer_id
    assert [o.disqualifier for o in exclusion.objections] == [disqualifier]
    assert exclusion.reasons == (reason,)
    assert not is_eligible(req, excluded_peer)


def test_every_applying_disqualifier_is_listed():
    req = request(gender_wish=GenderWish.VROUW, declined_by=frozenset({"peer-a"}))
    crowded = peer(organisation_codes=frozenset({"GM0014"}), available=False, capacity=0)
    assert [o.disqualifier for o in objections(req, crowded)] == [
        Disqualifier.SAME_ORGANISATION,
        Disqualifier.DECLINED,
        Disqualifier.AT_CAPACITY,
        Disqualifier.UNAVAILABLE,
        Disqualifier.GENDER,
    ]


def test_a_plain_peer_is_eligible():
    assert objections(request(), peer()) == ()
    assert is_eligible(request(), peer())


@pytest.mark.parametrize("gender", list(Gender))
def test_without_a_gender_wish_every_gender_is_eligible(gender):
    assert is_eligible(request(), peer(gender=gender))


def test_a_woman_is_eligible_when_a_woman_is_asked_for():
    assert is_eligible(request(gender_wish=GenderWish.VROUW), peer(gender=Gender.VROUW))


def test_a_request_without_organisation_is_not_a_same_organisation_match():
    req = request(organisation_code=None)
    assert is_eligible(req, peer(organisation_codes=frozenset({"GM0014"})))


@pytest.mark.parametrize(("active", "eligible"), [(0, True), (1, True), (2, False)])
def test_capacity_counts_active_cases(active, eligible):
    assert is_eligible(request(), peer(capacity=2, active_cases=active)) is eligible


def test_capacity_zero_means_no_cases():
    assert not is_eligible(request(), peer(capacity=0))


@pytest.mark.parametrize(
    ("role", "background"),
    [
        (RequesterRole.RAADSLID, PeerBackground.OUD_RAADSLID),
        (RequesterRole.WETHOUDER, PeerBackground.OUD_WETHOUDER),
        (RequesterRole.BURGEMEESTER, PeerBackground.OUD_BURGEMEESTER),
        (RequesterRole.STATENLID, PeerBackground.OUD_STATENLID),
        (RequesterRole.GEDEPUTEERDE, PeerBackground.OUD_GEDEPUTEERDE),
    ],
)
def test_same_background_rule(role, background):
    candidate = only_candidate(request(role=role), peer(background=background))
    assert points_for(candidate, Rule.SAME_BACKGROUND) == DEFAULT_WEIGHTS.same_background
    assert f"zelfde achtergrond ({background})" in candidate.reasons


def test_a_wished_background_counts_more():
    req = request(role=RequesterRole.WETHOUDER, wants_same_background=True)
    candidate = only_candidate(req, peer(background=PeerBackground.OUD_WETHOUDER))
    assert points_for(candidate, Rule.SAME_BACKGROUND) == DEFAULT_WEIGHTS.same_background_wished
    assert "zelfde achtergrond (oud-wethouder), zoals gevraagd" in candidate.reasons


@pytest.mark.parametrize(
    "role",
    [
        RequesterRole.COMMISSARIS_VAN_DE_KONING,
        RequesterRole.GRIFFIER_AMBTENAAR,
        RequesterRole.ANDERS,
    ],
)
def test_roles_without_a_peer_background_get_no_background_points(role):
    for background in PeerBackground:
        candidate = only_candidate(request(role=role), peer(background=background))
        assert points_for(candidate, Rule.SAME_BACKGROUND) == 0


def test_a_different_background_gets_no_points():
    candidate = only_candidate(request(), peer(background=PeerBackground.OUD_WETHOUDER))
    assert points_for(candidate, Rule.SAME_BACKGROUND) == 0


def test_online_intimidation_expertise_counts_double():
    req = request(incident_categories=frozenset({ONLINE}))
    candidate = only_candidate(req, peer(expertise=frozenset({ONLINE})))
    assert points_for(candidate, Rule.EXPERTISE) == 2.0
    assert "ervaring met online intimidatie" in candidate.reasons


def test_expertise_adds_up_over_the_requested_categories_and_names_them():
    req = request(
        incident_categories=frozenset(
            {ONLINE, IncidentCategory.DOXING, IncidentCategory.BEDREIGING}
        )
    )
    expert = peer(
        expertise=frozenset({IncidentCategory.DOXING, ONLINE, IncidentCategory.FYSIEK_GEWELD})
    )
    candidate = only_candidate(req, expert)
    assert points_for(candidate, Rule.EXPERTISE) == 3.0
    assert "ervaring met online intimidatie en doxing" in candidate.reasons


def test_expertise_in_other_categories_gets_no_points():
    candidate = only_candidate(request(), peer(expertise=frozenset({ONLINE})))
    assert points_for(candidate, Rule.EXPERTISE) == 0


def test_region_rule():
    candidate = only_candidate(request(), peer(regions=frozenset({"PV20", "PV22"})))
    assert points_for(candidate, Rule.REGION) == DEFAULT_WEIGHTS.region
    assert "zelfde regio" in candidate.reasons
    elsewhere = only_candidate(request(), peer(regions=frozenset({"PV31"})))
    assert points_for(elsewhere, Rule.REGION) == 0


def test_language_rule():
    candidate = only_candidate(request(language="en"), peer(languages=frozenset({"nl", "en"})))
    assert points_for(candidate, Rule.LANGUAGE) == DEFAULT_WEIGHTS.language
    assert "spreekt de gevraagde taal (en)" in candidate.reasons
    assert points_for(only_candidate(request(), peer()), Rule.LANGUAGE) == 0


@pytest.mark.parametrize(("active", "points"), [(0, 1.0), (1, 0.75), (2, 0.5), (3, 0.25)])
def test_load_rule_prefers_emptier_peers(active, points):
    candidate = only_candidate(request(), peer(capacity=4, active_cases=active))
    assert points_for(candidate, Rule.LOAD) == points
    assert candidate.reasons == (f"{active} van 4 plaatsen bezet",)


def test_a_full_match_explains_every_rule_in_dutch():
    req = request(
        role=RequesterRole.WETHOUDER,
        wants_same_background=True,
        incident_categories=frozenset({ONLINE}),
        gender_wish=GenderWish.VROUW,
    )
    best = peer(
        background=PeerBackground.OUD_WETHOUDER,
        gender=Gender.VROUW,
        capacity=4,
        active_cases=2,
        regions=frozenset({"PV20"}),
        expertise=frozenset({ONLINE}),
        languages=frozenset({"nl"}),
    )
    candidate = only_candidate(req, best)
    assert candidate.reasons == (
        "zelfde achtergrond (oud-wethouder), zoals gevraagd",
        "ervaring met online intimidatie",
        "zelfde regio",
        "spreekt de gevraagde taal (nl)",
        "2 van 4 plaatsen bezet",
    )
    assert candidate.score == 3.0 + 2.0 + 1.0 + 0.5 + 0.5


def test_propose_ranks_by_score_and_lists_the_excluded():
    req = request(incident_categories=frozenset({ONLINE}))
    peers = [
        peer("plain"),
        peer("expert", expertise=frozenset({ONLINE})),
        peer("local", regions=frozenset({"PV20"})),
        peer("colleague", organisation_codes=frozenset({"GM0014"})),
    ]
    proposal = propose(req, peers)
    assert [c.peer_id for c in proposal.candidates] == ["expert", "local", "plain"]
    assert proposal.best is not None and proposal.best.peer_id == "expert"
    assert [c.peer_id for c in proposal.alternatives] == ["local", "plain"]
    assert [e.peer_id for e in proposal.excluded] == ["colleague"]
    assert proposal.case_id == "case-1"


def test_next_candidate_skips_the_given_peers():
    req = request(incident_categories=frozenset({ONLINE}))
    peers = [
        peer("plain"),
        peer("expert", expertise=frozenset({ONLINE})),
        peer("local", regions=frozenset({"PV20"})),
    ]
    proposal = propose(req, peers)
    assert proposal.next_candidate(set()).peer_id == "expert"
    assert proposal.next_candidate({"expert"}).peer_id == "local"
    assert proposal.next_candidate({"expert", "local"}).peer_id == "plain"
    assert proposal.next_candidate({"expert", "local", "plain"}) is None


def test_no_eligible_peer_means_no_best():
    proposal = propose(request(), [peer(available=False)])
    assert proposal.best is None
    assert proposal.alternatives == ()
    assert proposal.next_candidate(()) is None


def test_ties_go_to_the_peer_longest_without_a_new_case():
    peers = [
        peer("recent", last_assigned_at=T0 - timedelta(days=1)),
        peer("long-ago", last_assigned_at=T0 - timedelta(days=90)),
        peer("b-never"),
        peer("a-never"),
    ]
    ranked = [c.peer_id for c in propose(request(), peers).candidates]
    assert ranked == ["a-never", "b-never", "long-ago", "recent"]


def test_weights_are_configurable():
    req = request(incident_categories=frozenset({ONLINE}))
    peers = [
        peer("expert", expertise=frozenset({ONLINE})),
        peer("local", regions=frozenset({"PV20"})),
    ]
    assert propose(req, peers).best.peer_id == "expert"
    regional = MatchWeights(region=5.0)
    assert propose(req, peers, regional).best.peer_id == "local"


def test_negative_weights_are_refused():
    with pytest.raises(ValueError, match="negative"):
        MatchWeights(load=-1.0)


def test_requests_need_an_aware_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        request(requested_at=T0.replace(tzinfo=None))


def test_peers_need_a_sensible_capacity():
    with pytest.raises(ValueError, match="negative"):
        peer(active_cases=-1)
