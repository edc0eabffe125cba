"""`paging`: the backward walk never misses a record that moves between pages (pages counted from 1 as Taobao
and JD do, or from 0 as Douyin does; the first read yielded at once or carried into the re-read), the version
tracker keeps one version per record, and the detail fan-out fetches each version once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from order_pipeline.platforms.paging import (
    LatestVersions,
    Page,
    list_then_detail,
    pages_backward,
    pages_forward,
)

START = datetime(2026, 3, 1, tzinfo=UTC)
END = START + timedelta(hours=1)


def by_id(record: dict) -> str:
    return record["id"]


# (first page number, carry_by): Taobao/JD style, Douyin style, and the other two combinations
WAYS = [
    pytest.param(1, None, id="from-1-first-read-yielded"),
    pytest.param(0, by_id, id="from-0-first-read-carried"),
    pytest.param(1, by_id, id="from-1-first-read-carried"),
    pytest.param(0, None, id="from-0-first-read-yielded"),
]


class MovingList:
    """A newest-first list of records in [START, END] whose records change while a client pages."""

    def __init__(self, count: int, page_size: int, first: int = 1):
        self.page_size, self.first = page_size, first
        step = timedelta(hours=1) / max(count, 1)
        self.modified = {f"r{i:04d}": START + step * i for i in range(count)}
        self.before_read: dict[int, Callable[[], None]] = {}  # read number -> mutation applied before it
        self.reads: list[int] = []
        self.details: list[str] = []

    def in_window(self) -> list[str]:
        ids = [k for k, t in self.modified.items() if START <= t <= END]
        return sorted(ids, key=lambda k: (self.modified[k], k), reverse=True)

    def read(self, number: int) -> Page:
        mutate = self.before_read.pop(len(self.reads), None)
        if mutate:
            mutate()
        self.reads.append(number)
        ids = self.in_window()
        offset = (number - self.first) * self.page_size
        items = [{"id": k, "modified": self.modified[k]} for k in ids[offset: offset + self.page_size]]
        return Page(number, items, len(ids), [f"list-{len(self.reads)}"])

    def detail(self, key: str) -> tuple[dict, str]:
        self.details.append(key)
        return {"id": key, "modified": self.modified[key]}, f"detail-{key}"

    def leave(self, key: str) -> Callable[[], None]:
        def move() -> None:
            self.modified[key] = END + timedelta(minutes=5)  # modified "now", past the window's end
        return move

    def grow(self, count: int) -> Callable[[], None]:
        def add() -> None:  # new records at the window's end (only possible if the window reaches now)
            for i in range(count):
                self.modified[f"new{i}"] = END - timedelta(seconds=i)
        return add


def walk(store: MovingList, carry_by=None) -> list[Page]:
    return list(pages_backward(store.read, first=store.first, size=store.page_size, carry_by=carry_by))


def pull(store: MovingList, *, detail: bool = True, carry_by=None) -> list:
    return list(list_then_detail(
        pages_backward(store.read, first=store.first, size=store.page_size, carry_by=carry_by),
        stream="orders", window=None, key_of=by_id, modified_of=lambda r: r["modified"],
        detail=store.detail if detail else None, concurrency=4,
    ))


def forward_ids(store: MovingList) -> set[str]:
    seen, number = set(), 1
    while True:
        page = store.read(number)
        seen |= {r["id"] for r in page.records}
        if number * store.page_size >= page.total:
            return seen
        number += 1


@pytest.mark.parametrize(("first", "carry_by"), WAYS)
def test_everything_on_one_page_is_one_list_request(first, carry_by):
    store = MovingList(count=80, page_size=100, first=first)
    batches = pull(store, carry_by=carry_by)
    assert store.reads == [first]
    assert len(batches) == 1 and len(batches[0].records) == 80
    assert batches[0].request_ids[0] == "list-1" and len(batches[0].request_ids) == 81


def test_walks_last_page_back_then_rereads_page_one():
    store = MovingList(count=350, page_size=100)
    batches = pull(store)
    assert store.reads == [1, 4, 3, 2, 1]
    assert [len(b.records) for b in batches] == [100, 50, 100, 100, 0]  # the re-read finds nothing new
    assert sorted(store.details) == sorted(store.modified)  # one detail per record, none twice
    assert [b.request_ids[0] for b in batches] == [f"list-{i}" for i in range(1, 6)]


def test_carried_first_read_pages_from_zero_yields_each_record_once_and_names_both_reads():
    store = MovingList(count=35, page_size=10, first=0)
    pages = walk(store, carry_by=by_id)
    assert store.reads == [0, 3, 2, 1, 0]
    assert pages[-1].request_ids == ["list-1", "list-5"]
    assert sorted(r["id"] for p in pages for r in p.records) == sorted(store.modified)


@pytest.mark.parametrize(("first", "carry_by"), WAYS)
def test_records_leaving_the_window_while_paging_never_hide_others(first, carry_by):
    for read_number in range(1, 5):  # a record on the first or second page is modified before each read
        store = MovingList(count=350, page_size=100, first=first)
        leaver = store.in_window()[120 if read_number > 2 else 10]
        store.before_read[read_number] = store.leave(leaver)
        got = {r["id"] for b in pull(store, carry_by=carry_by) for r in b.records}
        stayers_expected = set(store.in_window())
        assert stayers_expected <= got, f"missed {stayers_expected - got} when {leaver} left before read {read_number}"
        assert len(store.details) == len(set(store.details)), "a detail was fetched twice for one version"
        assert len(store.reads) == 5 and set(store.details) == got, "requests: pages + 1 lists, a detail each"


def test_a_forward_reader_would_have_missed_one():
    """The reason for all this: the same change read forwards loses the record sliding onto page 1."""
    store = MovingList(count=350, page_size=100)
    store.before_read[1] = store.leave(store.in_window()[10])  # after page 1 was read, before page 2
    got = forward_ids(store)
    assert set(store.in_window()) - got


@pytest.mark.parametrize(("first", "carry_by"), WAYS)
def test_a_record_gone_before_the_reread_is_still_yielded_once(first, carry_by):
    store = MovingList(count=25, page_size=10, first=first)
    newest = store.in_window()[0]
    store.before_read[3] = store.leave(newest)  # reads: first, third, second page, then the re-read
    ids = [r["id"] for p in walk(store, carry_by) for r in p.records]
    assert set(ids) == set(store.modified) and ids.count(newest) == 1


@pytest.mark.parametrize(("first", "carry_by"), WAYS)
def test_many_leavers_and_list_only_stream(first, carry_by):
    store = MovingList(count=1000, page_size=100, first=first)
    ids = store.in_window()
    for read_number, index in [(1, 5), (2, 150), (3, 420), (5, 30), (7, 99), (9, 100)]:
        store.before_read[read_number] = store.leave(ids[index])
    batches = pull(store, detail=False, carry_by=carry_by)
    got = [r["id"] for b in batches for r in b.records]
    assert set(store.in_window()) <= set(got)
    assert len(got) == len(set(got)), "a record at the same version was yielded twice"
    assert store.details == []


@pytest.mark.parametrize(("first", "carry_by"), WAYS)
def test_newer_version_seen_later_is_fetched_again_and_nothing_slides_away(first, carry_by):
    store = MovingList(count=150, page_size=100, first=first)
    key, last_of_page_one = store.in_window()[120], store.in_window()[99]
    original = store.modified[key]

    def bump() -> None:  # modified again, still inside the window (only possible if the window reaches now)
        store.modified[key] = END
    store.before_read[2] = bump  # after the second page was read, before the first is re-read
    batches = pull(store, carry_by=carry_by)
    versions = [r["modified"] for b in batches for r in b.records if r["id"] == key]
    assert versions == [original, END]
    assert store.details.count(key) == 2
    # the bump pushed page 1's last record onto page 2 (already read): the first read of page 1 kept it
    assert last_of_page_one in {r["id"] for b in batches for r in b.records}


@pytest.mark.parametrize(("first", "carry_by"), WAYS)
def test_growth_while_paging_walks_again(first, carry_by):
    store = MovingList(count=250, page_size=100, first=first)
    store.before_read[2] = store.grow(30)  # after the last page was read: records slid onto pages already read
    got = {r["id"] for b in pull(store, carry_by=carry_by) for r in b.records}
    assert set(store.in_window()) <= got
    pages = [first + n for n in (0, 2, 1, 0, 2, 1, 0)]
    assert store.reads == pages  # the list grew to 280 records: walked again


def test_a_list_that_grows_by_one_is_walked_again_and_yields_exactly_the_list():
    store = MovingList(count=25, page_size=10, first=0)
    store.before_read[2] = store.grow(1)
    ids = {r["id"] for p in walk(store, carry_by=by_id) for r in p.records}
    assert ids == set(store.in_window()) and store.reads == [0, 2, 1, 0, 2, 1, 0]


def test_forward_pages_stop_at_total():
    store = MovingList(count=250, page_size=100)
    assert [p.number for p in pages_forward(store.read, 100)] == [1, 2, 3]
    empty = MovingList(count=0, page_size=100)
    assert [p.number for p in pages_forward(empty.read, 100)] == [1]


def test_latest_versions_takes_each_version_once():
    seen = LatestVersions()
    assert seen.is_new("a", 10) and not seen.is_new("a", 10) and not seen.is_new("a", 9)
    assert seen.is_new("a", 11) and seen.is_new("b", None) and not seen.is_new("b", None)
    assert len(seen) == 2


def test_a_newer_version_remembered_from_a_detail_is_not_fetched_again():
    seen = LatestVersions()
    assert seen.is_new("a", 10)
    seen.remember("a", 12)  # the detail fetched after the list already showed version 12
    seen.remember("a", 11)  # never lowered
    seen.remember("a", None)  # nor forgotten
    assert not seen.is_new("a", 12) and seen.is_new("a", 13)
    seen.remember("b", None)
    assert len(seen) == 1 and seen.is_new("b", None)
