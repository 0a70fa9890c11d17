"""What the import_people tests share: an ID number ending in X, and the refused rows
the command reports."""

import re

from lms.people.identity import id_check_char


def id_ending_in_x(born="19800517", area="140121") -> str:
    """A valid ID number whose check character is X."""
    for serial in range(1000):
        first17 = f"{area}{born}{serial:03d}"
        if id_check_char(first17) == "X":
            return first17 + "X"
    raise AssertionError("no serial gives X")  # pragma: no cover


def error_lines(stderr: str) -> dict[int, str]:
    """Row number → reason, from the lines `Row N: reason` the command writes."""
    found = {}
    for line in stderr.splitlines():
        match = re.fullmatch(r"Row (\d+): (.+)", line.strip())
        if match:
            found[int(match.group(1))] = match.group(2)
    return found
