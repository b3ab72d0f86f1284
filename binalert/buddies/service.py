"""Buddy links (#24): a member offers to look in on a neighbour of their BIN, named by the
neighbour's phone number (the BIN's member list stays hidden), or a coordinator proposes a
pair; it is live once both sides confirmed; either side (or the coordinator) ends it, and a
member who stops or leaves ends all of theirs.

Privacy: an offer answers the same whether the number is a member's or not, and the
offering member never sees an offer the other side has not accepted; a side's first name
and street are shown to the other only once that side confirmed; nothing else ever is.
Every step is a member record (records.py) on both members: buddy_offered,
buddy_confirmed, buddy_ended.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from binalert import service_calls
from binalert.auth.schemas import Caller
from binalert.auth.service import require_role
from binalert.bins.service import visible_bin
from binalert.buddies import repository as repo
from binalert.buddies.schemas import LinkOut, MemberBuddies, MemberLink, Proposal
from binalert.buddies.texts import confirm_call, shared
from binalert.clock import utcnow
from binalert.errors import Conflict, DomainError, Invalid, NotFound, TooMany
from binalert.members import records
from binalert.models import BuddyLink, Member, MemberRecord, RecordChannel, Role, ServiceCall
from binalert.phones import InvalidPhone, parse_phone
from binalert.service_calls import ServiceOutcome

MAX_LINKS = 3  # neighbours a member looks in on; and buddies a member has
OFFERS_PER_DAY = 5  # offers by phone number a member may make in 24 hours (matched or not)
BUDDY = "buddy"
NEIGHBOUR = "neighbour"
COORDINATOR = "coordinator"
SYSTEM = "system"
OFFERED = "buddy_offered"
CONFIRMED = "buddy_confirmed"
ENDED = "buddy_ended"
CONFIRM_CALL = "buddy_confirm"  # the service call asking a neighbour to agree (press 1)


def _member(session: Session, member_id: int) -> Member:
    found = session.get(Member, member_id)
    if found is None or not found.active:
        raise NotFound("member not found")
    return found


def _offers_since(session: Session, member_id: int, since: datetime) -> int:
    query = select(func.count(MemberRecord.id)).where(
        MemberRecord.member_id == member_id,
        MemberRecord.kind == OFFERED,
        MemberRecord.actor == records.MEMBER,
        MemberRecord.at >= since,
    )
    return int(session.scalar(query) or 0)


def offer(session: Session, member_id: int, phone: str, source: str | None = None) -> None:
    """The member offers to look in on whoever of their BINs has this number. Answers the
    same whether anyone has it (no error, no link id): the neighbour sees the offer on their
    own page and accepts or declines it there."""
    member = _member(session, member_id)
    if repo.confirmed_count(session, member_id, as_buddy=True) >= MAX_LINKS:
        raise Conflict(f"you look in on {MAX_LINKS} neighbours already; end a link first")
    now = utcnow()
    if _offers_since(session, member_id, now - timedelta(hours=24)) >= OFFERS_PER_DAY:
        raise TooMany(f"at most {OFFERS_PER_DAY} offers a day; try again tomorrow")
    try:
        e164 = parse_phone(phone).e164
    except InvalidPhone as error:
        raise Invalid(str(error)) from error
    bins = repo.bins_of(session, member_id)
    found = repo.members_with_phone_in_bins(session, e164, bins, not_id=member.id)
    # The offer counts against the day's limit whether or not it found anyone, and its
    # record on the offering member is the same either way (their own data shows it).
    records.record(
        session,
        member_id,
        bins[0] if bins else None,
        OFFERED,
        RecordChannel.WEB,
        source=source,
        role=BUDDY,
    )
    if not found:
        return
    neighbour_id, bin_id = found[0]
    if repo.live_link_between(session, member_id, neighbour_id) is not None:
        return
    link = repo.add_link(
        session,
        BuddyLink(
            bin_id=bin_id,
            buddy_id=member_id,
            neighbour_id=neighbour_id,
            proposed_by=BUDDY,
            buddy_confirmed_at=now,
            created_at=now,
        ),
    )
    records.record(
        session, neighbour_id, bin_id, OFFERED, RecordChannel.WEB, role=NEIGHBOUR, link=link.id
    )
    _ask_by_phone(session, link, member, neighbour_id, now)


def _ask_by_phone(
    session: Session, link: BuddyLink, buddy: Member, neighbour_id: int, now: datetime
) -> None:
    """One service call to the neighbour (many members have no internet): the buddy's first
    name and street, then "press 1" (service_outcomes: on_confirm_call). Once per link, tried
    once; their page offers the same."""
    neighbour = session.get(Member, neighbour_id)
    if neighbour is None:
        return
    service_calls.queue(
        session,
        purpose=CONFIRM_CALL,
        phone=neighbour.phone,
        language=neighbour.language,
        text=confirm_call(shared(buddy.name, buddy.street), neighbour.language),
        wait_for_key=True,
        subject_id=link.id,
        bin_id=link.bin_id,
        now=now,
    )


def on_confirm_call(session: Session, call: ServiceCall) -> None:
    """A 1 on the confirmation call: the neighbour agrees, as on their page (channel phone).
    Anything else, or a link ended or changed meanwhile, changes nothing."""
    if call.outcome != ServiceOutcome.PRESSED_1.value or call.subject_id is None:
        return
    link = repo.link(session, call.subject_id)
    if link is None or link.ended_at is not None or link.neighbour_confirmed_at is not None:
        return
    neighbour = session.get(Member, link.neighbour_id)
    if neighbour is None or call.phone not in (neighbour.phone, neighbour.second_phone):
        return
    try:
        confirm(session, link.neighbour_id, link.id, RecordChannel.PHONE)
    except DomainError:  # three links already, the other side stopped: the page says why
        return


def propose(session: Session, caller: Caller, bin_id: int, data: Proposal) -> LinkOut:
    """A coordinator proposes that one member of their BIN look in on another; both confirm
    on their own pages."""
    require_role(caller.principal, Role.COORDINATOR)
    visible_bin(session, caller, bin_id)
    if data.buddy_id == data.neighbour_id:
        raise Invalid("a member cannot look in on themselves")
    for member_id in (data.buddy_id, data.neighbour_id):
        if bin_id not in repo.bins_of(session, member_id) or not _is_active(session, member_id):
            raise NotFound(f"member {member_id} is not an active member of BIN {bin_id}")
    if repo.live_link_between(session, data.buddy_id, data.neighbour_id) is not None:
        raise Conflict("these two members have a link already")
    if repo.confirmed_count(session, data.buddy_id, as_buddy=True) >= MAX_LINKS:
        raise Conflict(f"member {data.buddy_id} looks in on {MAX_LINKS} neighbours already")
    now = utcnow()
    link = repo.add_link(
        session,
        BuddyLink(
            bin_id=bin_id,
            buddy_id=data.buddy_id,
            neighbour_id=data.neighbour_id,
            proposed_by=COORDINATOR,
            created_at=now,
        ),
    )
    actor = caller.principal.actor
    for member_id, role in ((data.buddy_id, BUDDY), (data.neighbour_id, NEIGHBOUR)):
        records.record(
            session,
            member_id,
            bin_id,
            OFFERED,
            RecordChannel.COORDINATOR,
            actor=actor,
            source=caller.source,
            role=role,
            link=link.id,
        )
    return _link_out(session, link)


def _is_active(session: Session, member_id: int) -> bool:
    found = session.get(Member, member_id)
    return found is not None and found.active


def _own_link(session: Session, member_id: int, link_id: int) -> BuddyLink:
    link = repo.link(session, link_id)
    if (
        link is None
        or link.ended_at is not None
        or member_id
        not in (
            link.buddy_id,
            link.neighbour_id,
        )
    ):
        raise NotFound("no such link")
    return link


def confirm(
    session: Session,
    member_id: int,
    link_id: int,
    channel: RecordChannel = RecordChannel.WEB,
    source: str | None = None,
) -> None:
    """The member agrees to their side of a link (and so that the other side learns their
    first name and street). Live once both agreed, within MAX_LINKS on each side."""
    _member(session, member_id)
    link = _own_link(session, member_id, link_id)
    as_buddy = link.buddy_id == member_id
    confirmed_at = link.buddy_confirmed_at if as_buddy else link.neighbour_confirmed_at
    if confirmed_at is not None:
        raise Conflict("you agreed to this link already")
    if not (_is_active(session, link.buddy_id) and _is_active(session, link.neighbour_id)):
        raise Conflict("the other member no longer receives alerts")
    if repo.confirmed_count(session, link.buddy_id, as_buddy=True) >= MAX_LINKS:
        raise Conflict(f"the buddy looks in on {MAX_LINKS} neighbours already")
    if repo.confirmed_count(session, link.neighbour_id, as_buddy=False) >= MAX_LINKS:
        raise Conflict(f"the neighbour has {MAX_LINKS} buddies already")
    now = utcnow()
    if not repo.confirm_side(session, link.id, as_buddy, now):
        raise Conflict("this link changed meanwhile")
    session.refresh(link)
    live = link.buddy_confirmed_at is not None and link.neighbour_confirmed_at is not None
    role = BUDDY if as_buddy else NEIGHBOUR
    records.record(
        session,
        member_id,
        link.bin_id,
        CONFIRMED,
        channel,
        source=source,
        role=role,
        link=link.id,
        live=live,
    )
    if live:
        other = link.neighbour_id if as_buddy else link.buddy_id
        records.record(
            session,
            other,
            link.bin_id,
            CONFIRMED,
            channel,
            actor=records.MEMBER,
            role=NEIGHBOUR if as_buddy else BUDDY,
            link=link.id,
            live=True,
            by="other side",
        )


def end(
    session: Session,
    member_id: int,
    link_id: int,
    channel: RecordChannel = RecordChannel.WEB,
    source: str | None = None,
) -> None:
    """Either side ends a link (or declines one they were asked to agree to)."""
    link = _own_link(session, member_id, link_id)
    _end(session, link, BUDDY if link.buddy_id == member_id else NEIGHBOUR, channel, source)


def end_by_coordinator(session: Session, caller: Caller, link_id: int) -> None:
    require_role(caller.principal, Role.COORDINATOR)
    link = repo.link(session, link_id)
    if link is None:
        raise NotFound("no such link")
    visible_bin(session, caller, link.bin_id)
    if link.ended_at is not None:
        raise Conflict("this link has ended already")
    _end(
        session,
        link,
        COORDINATOR,
        RecordChannel.COORDINATOR,
        caller.source,
        actor=caller.principal.actor,
    )


def end_all(session: Session, member_id: int, channel: RecordChannel, reason: str) -> int:
    """A member stops receiving alerts or leaves: every link of theirs ends (call this before
    an erasure, so the other side's record says so). Returns how many."""
    links = repo.live_links_of(session, member_id)
    for link in links:
        _end(session, link, SYSTEM, channel, None, actor=records.SYSTEM, reason=reason)
    return len(links)


def _end(
    session: Session,
    link: BuddyLink,
    by: str,
    channel: RecordChannel,
    source: str | None,
    actor: str = records.MEMBER,
    reason: str | None = None,
) -> None:
    if not repo.end_link(session, link.id, by, utcnow()):
        raise Conflict("this link has ended already")
    for member_id, role in ((link.buddy_id, BUDDY), (link.neighbour_id, NEIGHBOUR)):
        records.record(
            session,
            member_id,
            link.bin_id,
            ENDED,
            channel,
            actor=actor,
            source=source,
            role=role,
            link=link.id,
            by=by,
            reason=reason,  # why binalert ended it (the member stopped, left, was erased)
        )


def of_member(session: Session, member_id: int) -> MemberBuddies:
    """A member's own links as their page shows them. An offer they made by phone number
    that the other side has not accepted is not shown: it would tell whether that number
    belongs to a member."""
    member = session.get(Member, member_id)  # also one who stopped: what binalert holds
    if member is None:
        raise NotFound("member not found")
    links = repo.live_links_of(session, member_id)
    others = repo.members(
        session, {lk.neighbour_id if lk.buddy_id == member_id else lk.buddy_id for lk in links}
    )
    shown = []
    for link in links:
        view = _member_link(link, member_id, others)
        if view is not None:
            shown.append(view)
    own = shared(member.name, member.street)
    return MemberBuddies(
        links=shown,
        you_share={"first_name": own.first_name, "street": own.street},
        max_links=MAX_LINKS,
    )


def _member_link(link: BuddyLink, member_id: int, others: dict[int, Member]) -> MemberLink | None:
    as_buddy = link.buddy_id == member_id
    mine = link.buddy_confirmed_at if as_buddy else link.neighbour_confirmed_at
    theirs = link.neighbour_confirmed_at if as_buddy else link.buddy_confirmed_at
    if theirs is None and link.proposed_by == BUDDY and as_buddy:
        return None  # an offer by number, not accepted: never tells whether anyone has it
    state = "live" if mine and theirs else ("awaiting_you" if mine is None else "awaiting_them")
    view = MemberLink(
        id=link.id,
        role=BUDDY if as_buddy else NEIGHBOUR,
        state=state,
        proposed_by=link.proposed_by,
    )
    other = others.get(link.neighbour_id if as_buddy else link.buddy_id)
    if theirs is not None and other is not None:  # they agreed to share it
        found = shared(other.name, other.street)
        view.first_name, view.street = found.first_name, found.street
    return view


def bin_links(session: Session, caller: Caller, bin_id: int) -> list[LinkOut]:
    """A BIN's links, live and pending, for its coordinator."""
    require_role(caller.principal, Role.COORDINATOR)
    visible_bin(session, caller, bin_id)
    return [_link_out(session, link) for link in repo.links_of_bin(session, bin_id)]


def _link_out(session: Session, link: BuddyLink) -> LinkOut:
    people = repo.members(session, {link.buddy_id, link.neighbour_id})
    waiting = [
        side
        for side, at in ((BUDDY, link.buddy_confirmed_at), (NEIGHBOUR, link.neighbour_confirmed_at))
        if at is None
    ]
    if link.ended_at is not None:
        state = "ended"
    elif not waiting:
        state = "live"
    else:
        state = "awaiting_" + ("both" if len(waiting) == 2 else waiting[0])
    buddy, neighbour = people.get(link.buddy_id), people.get(link.neighbour_id)
    return LinkOut(
        id=link.id,
        bin_id=link.bin_id,
        buddy_id=link.buddy_id,
        neighbour_id=link.neighbour_id,
        buddy_name=buddy.name if buddy else None,
        neighbour_name=neighbour.name if neighbour else None,
        state=state,
        proposed_by=link.proposed_by,
        created_at=link.created_at,
        ended_at=link.ended_at,
        ended_by=link.ended_by,
    )
