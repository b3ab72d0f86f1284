"""Joining a BIN (#24) in the store: a sign-up with its consent and verification call, the
limits per client, per number and in all, the 1 that confirms, the coordinator's approval
(the member, their records, their welcome), a refusal, and what nobody confirmed forgotten
after 48 hours (moved clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from binalert import service_calls, service_outcomes
from binalert.auth.schemas import Caller, Principal
from binalert.clock import travel, utcnow
from binalert.errors import Conflict, Invalid, TooMany
from binalert.members import signup
from binalert.members.policy import MemberPolicy
from binalert.models import (
    Bin,
    Member,
    MemberRecord,
    Role,
    ServiceCall,
    Signup,
    SignupPage,
    SignupStatus,
)
from binalert.retention import forget_signups
from binalert.service_calls import ServiceOutcome
from store.db import Store

TOKEN = "k" * 32
LIMITS = signup.Limits(per_number_hour=1, per_number_day=3, per_client_hour=5, per_hour=8)
POLICY = MemberPolicy()


def _bin(store: Store, auto_accept: bool = False) -> int:
    with store.session() as s:
        found = Bin(name="BIN Sint-Kruis", municipality="Brugge", police_zone="Brugge")
        s.add(found)
        s.flush()
        s.add(SignupPage(bin_id=found.id, token=TOKEN, auto_accept=auto_accept))
        return found.id


def _coordinator(bin_id: int) -> Caller:
    principal = Principal(
        token_id=None,
        role=Role.COORDINATOR,
        name="Coördinator",
        bin_ids=frozenset({bin_id}),
        email="coord@bin.example",
        account_id=7,
    )
    return Caller(principal=principal, source="192.0.2.1")


def _submit(store: Store, phone: str, client: str = "c1", **form: object) -> int:
    values: dict[str, object] = {"name": "An Peeters", "phone": phone, "consent": True}
    values.update(form)
    with store.session() as s:
        taken = signup.submit(
            s,
            TOKEN,
            signup.SignupForm(**values),  # type: ignore[arg-type]
            client=client,
            source="192.0.2.9",
            limits=LIMITS,
            policy=POLICY,
            sms=False,
            now=utcnow(),
        )
        assert taken.signup_id is not None
        return taken.signup_id


def _press(store: Store, signup_id: int, outcome: ServiceOutcome) -> None:
    """The verification call of a sign-up, placed and ended with this outcome."""
    with store.session() as s:
        call = s.scalar(select(ServiceCall).where(ServiceCall.subject_id == signup_id))
        assert call is not None and call.purpose == signup.VERIFY and call.wait_for_key
        service_calls.claim(s, "pbx1", utcnow(), 10, lambda i: f"bs{i:016d}", 60)
        s.refresh(call)
        assert call.channel_id is not None
        assert service_outcomes.finish(s, call.channel_id, outcome, utcnow())


def _kinds(store: Store) -> list[str]:
    with store.session() as s:
        return [r.kind for r in s.scalars(select(MemberRecord).order_by(MemberRecord.id))]


def test_a_confirmed_sign_up_becomes_a_member_once_the_coordinator_approves(store: Store) -> None:
    bin_id = _bin(store)
    signup_id = _submit(
        store, "050/10.00.07", language="fr", street=" Kerkstraat ", house_number="12"
    )
    with store.session() as s:
        call = s.scalar(select(ServiceCall))
        assert call is not None and call.phone == "+3250100007" and call.language == "fr"
        assert "Pour confirmer" in call.text and "BIN Sint-Kruis" in call.text
        assert s.scalars(select(Member)).first() is None  # not a member before anything else
    with pytest.raises(Conflict), store.session() as s:  # not confirmed: nothing to approve
        signup.approve(s, _coordinator(bin_id), signup_id, POLICY, signup.WelcomeSender())

    _press(store, signup_id, ServiceOutcome.PRESSED_1)
    with store.session() as s:
        waiting = signup.waiting(s, _coordinator(bin_id), bin_id)
        assert [(w.id, w.status) for w in waiting] == [(signup_id, "confirmed")]
        member_id = signup.approve(
            s, _coordinator(bin_id), signup_id, POLICY, signup.WelcomeSender()
        )
    with store.session() as s:
        member = s.get(Member, member_id)
        assert member is not None and member.active and member.language == "fr"
        assert (member.street, member.house_number) == ("Kerkstraat", "12")
        assert s.get(Signup, signup_id) is None
        approved = s.scalar(select(MemberRecord).where(MemberRecord.kind == "approved"))
        assert approved is not None and approved.member_id == member_id
        assert approved.actor.startswith("coordinator:coord@bin.example")
        assert approved.detail["consent_version"] == signup.consent.VERSION
        welcome = s.scalar(select(ServiceCall).where(ServiceCall.purpose == signup.WELCOME))
        assert welcome is not None and welcome.phone == "+3250100007"
        assert not welcome.wait_for_key and "membre" in welcome.text
    assert _kinds(store) == ["consent", "confirmed", "approved"]
    with store.session() as s:  # signed up again: the page cannot tell, nobody is called
        again = signup.submit(
            s,
            TOKEN,
            signup.SignupForm(name="Iemand", phone="050100007", consent=True),
            client="other",
            source=None,
            limits=signup.Limits(),
            policy=POLICY,
            sms=False,
            now=utcnow(),
        )
        assert again == signup.Submitted(None, "+3250100007")
        assert len(list(s.scalars(select(ServiceCall)))) == 2  # the verification, the welcome


def test_a_bin_that_accepts_at_once_makes_the_member_on_the_1(sqlite_store: Store) -> None:
    _bin(sqlite_store, auto_accept=True)
    signup_id = _submit(sqlite_store, "050100008")
    _press(sqlite_store, signup_id, ServiceOutcome.PRESSED_1)
    with sqlite_store.session() as s:
        assert [m.phone for m in s.scalars(select(Member))] == ["+3250100008"]
        assert s.scalar(select(ServiceCall).where(ServiceCall.purpose == "welcome"))


def test_no_key_confirms_nothing_and_a_refusal_forgets_the_sign_up(sqlite_store: Store) -> None:
    bin_id = _bin(sqlite_store)
    missed = _submit(sqlite_store, "050300001")
    _press(sqlite_store, missed, ServiceOutcome.NO_ANSWER)
    refused = _submit(sqlite_store, "050100002")
    _press(sqlite_store, refused, ServiceOutcome.PRESSED_1)
    with sqlite_store.session() as s:
        signup.refuse(s, _coordinator(bin_id), refused)
    with sqlite_store.session() as s:
        assert [r.status for r in s.scalars(select(Signup))] == ["unconfirmed"]
        assert s.scalars(select(Member)).first() is None
    assert _kinds(sqlite_store) == ["consent", "consent", "confirmed", "refused"]


def test_the_limits_stop_the_page_from_ringing_strangers(store: Store) -> None:
    _bin(store)
    for n in range(5):
        _submit(store, f"05010010{n}", client="flood")
    with pytest.raises(TooMany):  # the sixth from one address within the hour
        _submit(store, "050100109", client="flood")
    _submit(store, "050100200", client="a")
    with pytest.raises(TooMany):  # one call per number per hour, whoever asks
        _submit(store, "050 10 02 00", client="b")
    _submit(store, "050100201", client="c")
    _submit(store, "050100202", client="d")
    with pytest.raises(TooMany):  # 8 verification calls an hour in all
        _submit(store, "050100203", client="e")
    with store.session() as s:
        assert len(list(s.scalars(select(ServiceCall)))) == 8


def test_the_form_is_checked_before_anything_is_stored(sqlite_store: Store) -> None:
    _bin(sqlite_store)
    with pytest.raises(Invalid) as refused:
        _submit(sqlite_store, "0900 12 345", name=" ", consent=False, channels="sms")
    fields = {d["field"] for d in refused.value.details}
    assert fields == {"name", "phone", "consent", "channels"}  # SMS: none configured here
    with sqlite_store.session() as s:
        assert s.scalars(select(Signup)).first() is None
        assert s.scalars(select(ServiceCall)).first() is None


def test_an_unconfirmed_sign_up_is_forgotten_after_48_hours(sqlite_store: Store) -> None:
    _bin(sqlite_store)
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    with travel(start):
        kept = _submit(sqlite_store, "050100301")
        _press(sqlite_store, kept, ServiceOutcome.PRESSED_1)
        gone = _submit(sqlite_store, "050300302")
    with travel(start + timedelta(hours=47)), sqlite_store.session() as s:
        assert forget_signups(s, utcnow()) == 0
    with travel(start + timedelta(hours=48, minutes=1)), sqlite_store.session() as s:
        assert forget_signups(s, utcnow()) == 1
    with sqlite_store.session() as s:
        assert [r.id for r in s.scalars(select(Signup))] == [kept]
        assert s.get(Signup, gone) is None
        assert s.scalars(select(ServiceCall)).first() is None  # the numbers called, too
        forgotten = s.scalar(select(MemberRecord).where(MemberRecord.kind == "forgotten"))
        assert forgotten is not None and forgotten.detail == {"signup": gone}
        assert s.get(Signup, kept).status == SignupStatus.CONFIRMED  # type: ignore[union-attr]
