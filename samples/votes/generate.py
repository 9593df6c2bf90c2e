"""Generate the bundled votes sample (deterministic: fixed seed).

Two JSON-lines files shaped like the blog export (every value a JSON string,
`UserId` only on favourites/bounties, `BountyAmount` only on bounties):

- `votes-2024-01.jsonl`: the first export, January to mid-March 2024, with a
  launch spike in one week and a quiet holiday week, so `votes outliers` has
  something to show.
- `votes-2024-03.jsonl`: the next export; it re-sends the last 40 votes of
  the first file (the overlap `votes ingest` must skip) and carries three
  malformed lines (cut-off JSON, a non-integer Id, an impossible date) that
  must land in the rejects table.

Run: `.venv/bin/python samples/votes/generate.py` (rewrites both files).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240101
START = dt.date(2024, 1, 1)
# Vote types and their weights in the real export (2 = upvote dominates).
VOTE_TYPES = {"2": 74, "3": 8, "1": 5, "5": 6, "16": 3, "10": 3, "8": 1}
BOUNTIES = ("25", "50", "100", "250")


def votes_per_day(day: dt.date, rng: random.Random) -> int:
    """About 10 a day, a launch spike in week 6, a quiet week 10."""
    base = 10 + rng.randint(-3, 3)
    week = int(day.strftime("%W"))
    if week == 6:
        return base * 3
    if week == 10:
        return base // 3
    return base


def vote(vote_id: int, day: dt.date, rng: random.Random) -> dict[str, str]:
    vote_type = rng.choices(list(VOTE_TYPES), weights=list(VOTE_TYPES.values()))[0]
    row = {
        "Id": str(vote_id),
        "PostId": str(rng.randint(1, 400)),
        "VoteTypeId": vote_type,
        "CreationDate": f"{day.isoformat()}T00:00:00.000",
    }
    if vote_type in ("5", "8"):
        row["UserId"] = str(rng.choice([-1, *range(1, 120)]))
    if vote_type == "8":
        row["BountyAmount"] = rng.choice(BOUNTIES)
    return row


def line(row: dict[str, str]) -> str:
    return json.dumps(row, separators=(",", ":"))


def main() -> None:
    rng = random.Random(SEED)
    rows = []
    vote_id = 1
    for offset in range(84):  # 12 weeks
        day = START + dt.timedelta(days=offset)
        for _ in range(votes_per_day(day, rng)):
            rows.append(vote(vote_id, day, rng))
            vote_id += rng.choice((1, 1, 1, 2))  # deleted votes leave gaps, as in the export
    first, later = rows[: len(rows) - 120], rows[len(rows) - 120 :]
    second = [line(r) for r in first[-40:] + later]
    second[10:10] = [
        '{"Id":"900001","PostId":"12","VoteTypeId":"2","CreationDate":"2024-03-20T00:0',
        '{"Id":"n/a","PostId":"12","VoteTypeId":"2","CreationDate":"2024-03-20T00:00:00.000"}',
        '{"Id":"900002","PostId":"12","VoteTypeId":"2","CreationDate":"2024-02-30T00:00:00.000"}',
    ]
    (HERE / "votes-2024-01.jsonl").write_text("".join(line(r) + "\n" for r in first), encoding="utf-8")
    (HERE / "votes-2024-03.jsonl").write_text("".join(s + "\n" for s in second), encoding="utf-8")


if __name__ == "__main__":
    main()
