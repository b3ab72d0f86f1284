"""What an admin allows for members: the countries whose numbers binalert calls (toll fraud:
a stolen coordinator account must not turn the dialer on expensive foreign or satellite
numbers), how many rows one import may add, how many members one BIN may have."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from binalert.errors import Invalid
from binalert.phones import region_of

DEFAULT_COUNTRIES = frozenset({"BE", "NL", "FR", "DE", "LU"})  # Belgium and its neighbours


@dataclass(frozen=True)
class MemberPolicy:
    countries: frozenset[str] = DEFAULT_COUNTRIES
    max_import_rows: int = 20_000
    max_members_per_bin: int = 20_000

    def check_numbers(self, numbers: Iterable[str | None]) -> None:
        for number in numbers:
            if number and region_of(number) not in self.countries:
                raise Invalid(
                    f"numbers of that country are not called (allowed: "
                    f"{', '.join(sorted(self.countries))}; an admin can change "
                    "BINALERT_PHONE_COUNTRIES)"
                )

    def check_growth(self, members_now: int, adding: int) -> None:
        if adding > self.max_import_rows:
            raise Invalid(
                f"one import adds at most {self.max_import_rows} members (BINALERT_MAX_IMPORT_ROWS)"
            )
        if members_now + adding > self.max_members_per_bin:
            raise Invalid(
                f"a BIN has at most {self.max_members_per_bin} members "
                "(BINALERT_MAX_MEMBERS_PER_BIN)"
            )
