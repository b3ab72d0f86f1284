"""SMS over SMPP 3.4: binalert's link to its SMSC (an ESME bound as a transceiver).

Layer: beside api, ivr and hooks (tests/test_architecture.py); it knows the settings and
nothing of the store. The SMS worker (sms-store) glues it to the delivery lifecycle.

    from sms import SmppLink, Submitted, Throttled, Refused, Unconfirmed

    link = SmppLink(settings.smsc(), on_receipt, on_message)   # settings.smsc() is not None
    await link.start()                        # connects, binds, reconnects with back-off
    result = await link.submit("+32470010001", text)
    match result:
        case Submitted(message_ids=ids):      # one SMSC message id a part, in order
        case Throttled(reason=why):           # nothing went out: submit again later
        case Refused(code=code):              # never send it again (invalid number, ...)
        case Unconfirmed(message_ids=ids):    # went out, answer lost: may have arrived;
                                              # at most once: do not send it again
    link.healthy                              # bound and answering now
    await link.close()                        # unbinds

- submit() may be called from many tasks at once: the link keeps `window` submits awaiting
  their answer and at most `mps` parts a second (BINALERT_SMSC_WINDOW, BINALERT_SMSC_MPS);
  ESME_RTHROTTLED and ESME_RMSGQFUL are waited out (it pauses and sends the part again), up
  to `submit_wait` seconds before a first part went out (then Throttled). It checks its input
  (an E.164 destination; the text through binalert/sms/text.py's check_sms_text, cut where
  its split_parts cuts, so the parts are those the preview counted; at most MAX_LINK_PARTS)
  and refuses what fails (Refused with ESME_RINVPARLEN) before any PDU.
- on_receipt(Receipt(message_id, state, error)) for each part's delivery receipt, state one of
  delivered, expired, undeliverable, rejected, deleted, accepted, unknown, enroute;
  on_message(IncomingMessage(source, text)) for a member's message (source: E.164 as the
  network claims it). Handlers are async functions, or plain ones (run in a thread). Each
  deliver_sm is answered only once its handler returned: return once stored; raise and the
  SMSC gets ESME_RX_T_APPN and offers it again later (a reply received while the database is
  down is not lost).
"""

from sms.link import (
    IncomingMessage,
    Refused,
    SmppLink,
    SubmitResult,
    Submitted,
    Throttled,
    Unconfirmed,
)
from sms.pdus import MAX_LINK_PARTS, Receipt

__all__ = [
    "MAX_LINK_PARTS",
    "IncomingMessage",
    "Receipt",
    "Refused",
    "SmppLink",
    "SubmitResult",
    "Submitted",
    "Throttled",
    "Unconfirmed",
]
