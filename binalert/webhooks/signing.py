"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the webhook's secret.

Headers: X-Binalert-Timestamp (unix seconds) and X-Binalert-Signature ("sha256=<hex>").
A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in
constant time and rejects old timestamps (replays).
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Binalert-Signature"
TIMESTAMP_HEADER = "X-Binalert-Timestamp"
EVENT_HEADER = "X-Binalert-Event"
DELIVERY_HEADER = "X-Binalert-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, given: str) -> bool:
    if not timestamp.isdigit():
        return False
    return hmac.compare_digest(signature(secret, int(timestamp), body), given)
