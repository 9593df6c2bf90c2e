"""The view blog_analysis.outlier_weeks: week convention, the weeks the mean
runs over, the 20 % rule, and the specification's example."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from etl.core.errors import EtlError
from etl.pipelines.votes.pipeline import ingest, outlier_weeks


def votes_on(*days_and_counts: tuple[str, int]) -> list[str]:
    """Export lines: `count` votes on each `day`, Ids numbered from 1."""
    lines = []
    for day, count in days_and_counts:
        for _ in range(count):
            row = {"Id": str(len(lines) + 1), "PostId": "1", "VoteTypeId": "2", "CreationDate": f"{day}T00:00:00.000"}
            lines.append(json.dumps(row))
    return lines


def load(con: duckdb.DuckDBPyConnection, write_lines, lines: list[str]) -> list[tuple[int, int, int]]:
    ingest(con, [write_lines("votes.jsonl", lines)])
    return outlier_weeks(con)


def test_the_specification_example_gives_exactly_its_table(warehouse, shared_data):
    ingest(warehouse, [shared_data("votes", "samples-votes.jsonl")])

    assert outlier_weeks(warehouse) == [
        (2022, 0, 1),
        (2022, 1, 3),
        (2022, 2, 3),
        (2022, 5, 1),
        (2022, 6, 1),
        (2022, 8, 1),
    ]


@pytest.mark.parametrize(
    ("day", "week"),
    [
        ("2022-01-01", (2022, 0)),  # Saturday before the year's first Monday
        ("2022-01-02", (2022, 0)),  # Sunday: still week 0 (weeks start on Monday)
        ("2022-01-03", (2022, 1)),  # first Monday opens week 1
        ("2022-01-09", (2022, 1)),
        ("2022-01-10", (2022, 2)),
        ("2024-01-01", (2024, 1)),  # a year that starts on a Monday has no week 0
        ("2021-12-31", (2021, 52)),  # the last days of a year stay in that year
    ],
)
def test_weeks_start_on_monday_and_days_before_the_first_monday_are_week_0(warehouse, write_lines, day, week):
    # one vote on `day`, ten two weeks later: the day's week holds 1 vote and is an outlier
    later = (dt.date.fromisoformat(day) + dt.timedelta(days=14)).isoformat()
    rows = load(warehouse, write_lines, votes_on((day, 1), (later, 10)))

    assert rows[0] == (*week, 1)


def test_a_single_week_is_never_an_outlier(warehouse, write_lines):
    assert load(warehouse, write_lines, votes_on(("2022-01-03", 5), ("2022-01-07", 2))) == []


def test_the_20_percent_bound_is_strict(warehouse, write_lines):
    # weeks of 4, 6, 5 and 5 votes: mean 5, so 4 and 6 sit exactly on the bound and are not outliers
    lines = votes_on(("2022-01-03", 4), ("2022-01-10", 6), ("2022-01-17", 5), ("2022-01-24", 5))
    assert load(warehouse, write_lines, lines) == []


def test_beyond_20_percent_is_an_outlier(warehouse, write_lines):
    # weeks of 3, 7, 5 and 5 votes: mean 5, so 3 and 7 are 40 % off
    lines = votes_on(("2022-01-03", 3), ("2022-01-10", 7), ("2022-01-17", 5), ("2022-01-24", 5))
    assert load(warehouse, write_lines, lines) == [(2022, 1, 3), (2022, 2, 7)]


def test_a_week_without_votes_inside_the_span_counts_as_zero(warehouse, write_lines):
    # weeks 1, 2 and 4 have 4 votes, week 3 none: the mean is 12 / 4 = 3, not 12 / 3 = 4
    lines = votes_on(("2022-01-03", 4), ("2022-01-10", 4), ("2022-01-24", 4))

    assert load(warehouse, write_lines, lines) == [(2022, 1, 4), (2022, 2, 4), (2022, 3, 0), (2022, 4, 4)]


def test_a_week_across_new_year_is_two_weeks(warehouse, write_lines):
    # Monday 2021-12-27 to Sunday 2022-01-02 is (2021, 52) and (2022, 0)
    lines = votes_on(("2021-12-20", 6), ("2021-12-27", 3), ("2022-01-01", 3), ("2022-01-03", 6))

    assert load(warehouse, write_lines, lines) == [(2021, 51, 6), (2021, 52, 3), (2022, 0, 3), (2022, 1, 6)]


def test_the_view_is_a_view_sorted_earliest_first(warehouse, write_lines):
    lines = votes_on(("2023-01-02", 9), ("2022-01-03", 1), ("2022-06-06", 3), ("2022-06-13", 3))
    rows = load(warehouse, write_lines, lines)

    assert warehouse.execute(
        "select table_schema, table_name, table_type from information_schema.tables where table_name = 'outlier_weeks'"
    ).fetchall() == [("blog_analysis", "outlier_weeks", "VIEW")]
    assert warehouse.execute("select * from blog_analysis.outlier_weeks").fetchall() == rows
    assert rows == sorted(rows)
    assert [row[:2] for row in rows][:2] == [(2022, 1), (2022, 2)]
    assert rows[-1] == (2023, 1, 9)


def test_the_view_columns(warehouse, write_lines):
    load(warehouse, write_lines, votes_on(("2022-01-03", 1)))

    assert warehouse.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_name = 'outlier_weeks' order by ordinal_position"
    ).fetchall() == [("Year", "BIGINT"), ("WeekNumber", "INTEGER"), ("VoteCount", "BIGINT")]


def test_ingestion_does_not_create_the_view(warehouse, write_lines):
    ingest(warehouse, [write_lines("a.jsonl", votes_on(("2022-01-03", 1)))])

    assert warehouse.execute("select count(*) from duckdb_views() where view_name = 'outlier_weeks'").fetchall() == [
        (0,)
    ]


def test_an_empty_votes_table_has_no_outliers(warehouse, write_lines):
    assert load(warehouse, write_lines, ["{not json"]) == []


def test_outliers_without_a_votes_table_is_an_error(warehouse):
    with pytest.raises(EtlError, match=r"^the warehouse has no table blog_analysis\.votes: run `votes ingest` first$"):
        outlier_weeks(warehouse)
