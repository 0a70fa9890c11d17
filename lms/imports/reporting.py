"""How an import's refused rows are named to the person who ran it."""


def row_numbers(numbers: list[int], limit: int = 20) -> str:
    """ "3, 5, 9" — or the first `limit` and an ellipsis: every row is listed above anyway."""
    shown = ", ".join(str(number) for number in numbers[:limit])
    return shown + ("…" if len(numbers) > limit else "")
