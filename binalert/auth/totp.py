"""Time-based one-time codes (RFC 6238, with pyotp): a secret per account, a code accepted
within one step either side of now, and never the same step twice."""

from __future__ import annotations

from datetime import datetime

import pyotp

ISSUER = "binalert"
WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app takes (as a QR code or typed in)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step whose code this is (later than `after`, the last step used), or None."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - WINDOW, current + WINDOW + 1):
        if (after is None or step > after) and pyotp.utils.strings_equal(
            code, totp.generate_otp(step)
        ):
            return step
    return None
