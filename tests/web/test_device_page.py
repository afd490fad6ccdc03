"""/ui/device: a signed-in member approves the command line's sign-in; codes are hard to guess."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.device import DeviceHub, device_hub
from tests.support.live import LiveHub
from tests.support.web import csrf, text_of, title_of, web_client
from tests.support.world import agency, member, suspend


@pytest.fixture
def flow(hub: LiveHub) -> Iterator[DeviceHub]:
    with device_hub(hub) as controlled:
        yield controlled


def person(hub: LiveHub) -> str:
    return member(hub, agency(hub), "case_worker", secrecy=True)


def pending(flow: DeviceHub, device_code: str) -> bool:
    answer = flow.poll(device_code)
    flow.clock.advance(60)
    return answer.status_code == 400 and answer.json()["error"] == "authorization_pending"


def wrong_code(code: str) -> str:
    # Another valid-looking code (the alphabet's letters, shifted by one).
    alphabet = "BCDFGHJKLMNPQRSTVWXZ"
    return "".join(alphabet[(alphabet.index(c) + 1) % 20] if c != "-" else c for c in code)


def test_the_page_needs_a_session(flow: DeviceHub) -> None:
    anonymous = web_client(flow.hub)
    for response in (
        anonymous.get("/ui/device"),
        anonymous.post("/ui/device", data={"user_code": "BCDF-GHJK"}),
    ):
        assert response.status_code == 303
        assert response.headers["location"] == "/ui/login"


def test_the_link_fills_in_the_code_and_the_page_says_what_is_asking(flow: DeviceHub) -> None:
    started = flow.start()
    web = web_client(flow.hub, person(flow.hub))
    form = web.get("/ui/device", params={"user_code": started["user_code"]})
    assert form.status_code == 200
    assert f'value="{started["user_code"]}"' in form.text
    assert title_of(form.text) == "Een toestel aanmelden – LIVC Hub"
    confirm = flow.decide("", started["user_code"], None, web=web)
    assert confirm.status_code == 200
    words = text_of(confirm.text)
    assert "De opdrachtregel van LIVC Hub op een ander toestel wil 1 uur lang in uw naam" in words
    assert started["user_code"] in words
    assert pending(flow, started["device_code"])  # looking is not approving


def test_the_page_in_french(flow: DeviceHub) -> None:
    started = flow.start()
    web = web_client(flow.hub, person(flow.hub), lang="fr")
    confirm = flow.decide("", started["user_code"], None, web=web)
    words = text_of(confirm.text)
    assert "La ligne de commande de LIVC Hub sur un autre appareil veut agir en votre nom" in words
    assert "pendant 1 heure" in words
    assert title_of(confirm.text) == "Connecter un appareil – Hub CSIL"
    done = flow.decide("", started["user_code"], "deny", web=web)
    assert "La demande a été refusée" in text_of(done.text)


def test_the_code_is_accepted_as_people_type_it(flow: DeviceHub) -> None:
    started = flow.start()
    typed = " " + started["user_code"].replace("-", "").lower() + " "
    assert flow.decide(person(flow.hub), typed).status_code == 200
    assert flow.poll(started["device_code"]).status_code == 200


def test_an_approval_without_the_csrf_token_or_from_elsewhere_is_refused(
    flow: DeviceHub,
) -> None:
    started = flow.start()
    web = web_client(flow.hub, person(flow.hub))
    form = {"user_code": started["user_code"], "decision": "approve"}
    assert web.post("/ui/device", data=form).status_code == 403
    forged = {**form, "csrf_token": "not-the-token"}
    assert web.post("/ui/device", data=forged).status_code == 403
    elsewhere = {"Origin": "https://elsewhere.example"}
    sent = {**form, "csrf_token": csrf(web)}
    assert web.post("/ui/device", data=sent, headers=elsewhere).status_code == 403
    assert pending(flow, started["device_code"])


def test_wrong_codes_are_limited_per_member(flow: DeviceHub) -> None:
    flow.limits(device_member="3/15minutes")
    started = flow.start()
    guesser, other = person(flow.hub), person(flow.hub)
    web = web_client(flow.hub, guesser)
    for _ in range(3):
        wrong = flow.decide("", wrong_code(started["user_code"]), web=web)
        assert wrong.status_code == 400
        assert "Deze code is onbekend of verlopen" in text_of(wrong.text)
    # Spent: even the right code is refused, before it is looked up.
    refused = flow.decide("", started["user_code"], web=web)
    assert refused.status_code == 429
    assert "Te veel foute codes" in text_of(refused.text)
    assert int(refused.headers["retry-after"]) > 0
    assert pending(flow, started["device_code"])
    # Another member is not held back by this one's guesses.
    assert flow.decide(other, started["user_code"]).status_code == 200


def test_right_codes_do_not_count_against_the_member(flow: DeviceHub) -> None:
    flow.limits(device_member="2/15minutes")
    web = web_client(flow.hub, person(flow.hub))
    for _ in range(3):
        started = flow.start()
        assert flow.decide("", started["user_code"], web=web).status_code == 200


def test_wrong_codes_are_limited_hub_wide_so_each_code_meets_few_guesses(
    flow: DeviceHub,
) -> None:
    flow.limits(device_wrong="4/10minutes")
    started = flow.start()
    for _ in range(2):
        web = web_client(flow.hub, person(flow.hub))
        for _ in range(2):
            assert flow.decide("", wrong_code(started["user_code"]), web=web).status_code == 400
    refused = flow.decide(person(flow.hub), started["user_code"])
    assert refused.status_code == 429
    assert pending(flow, started["device_code"])


def test_wrong_codes_are_in_the_access_log_with_the_member(flow: DeviceHub) -> None:
    guesser = person(flow.hub)
    started = flow.start()
    assert flow.decide(guesser, wrong_code(started["user_code"])).status_code == 400
    entries = flow.log_of_actor(guesser)
    assert ("auth:device_verify", "deny", "wrong_user_code", guesser) in entries


def test_a_suspended_member_cannot_approve(flow: DeviceHub) -> None:
    who = person(flow.hub)
    web = web_client(flow.hub, who)  # a session opened before the suspension
    suspend(flow.hub, who)
    started = flow.start()
    refused = flow.decide("", started["user_code"], web=web)
    # The suspension ended the session at once: back to the sign-in page, nothing decided.
    assert refused.status_code == 303
    assert refused.headers["location"] == "/ui/login"
    assert pending(flow, started["device_code"])


def test_a_request_is_decided_once(flow: DeviceHub) -> None:
    started = flow.start()
    web = web_client(flow.hub, person(flow.hub))
    flow.decide("", started["user_code"], None, web=web)  # the confirmation, in one tab
    assert flow.decide(person(flow.hub), started["user_code"], "deny").status_code == 200
    # The first tab's approval comes too late: the code is no longer pending.
    late = flow.decide("", started["user_code"], "approve", web=web)
    assert late.status_code == 400
    assert flow.poll(started["device_code"]).json()["error"] == "access_denied"


def test_of_concurrent_decisions_the_first_stands(flow: DeviceHub) -> None:
    started = flow.start()
    deciders = 6
    members = [person(flow.hub) for _ in range(deciders)]
    webs = [web_client(flow.hub, m) for m in members]
    barrier = threading.Barrier(deciders)

    def decide(index: int) -> httpx.Response:
        barrier.wait()
        decision = "approve" if index % 2 == 0 else "deny"
        return flow.decide("", started["user_code"], decision, web=webs[index])

    with ThreadPoolExecutor(deciders) as pool:
        answers = list(pool.map(decide, range(deciders)))
    won = [i for i, a in enumerate(answers) if a.status_code == 200]
    assert len(won) == 1, [a.status_code for a in answers]
    assert all(a.status_code in (400, 409) for i, a in enumerate(answers) if i not in won)
    grant = flow.grant_id(started["device_code"])
    decisions = [e for e in flow.log(grant) if e[0] in ("auth:device_approve", "auth:device_deny")]
    assert [e[3] for e in decisions] == [members[won[0]]]
    stored = [r for r in flow.rows() if str(r["id"]).replace("-", "") == grant]
    assert str(stored[0]["member_id"]).replace("-", "") == members[won[0]].replace("-", "")
