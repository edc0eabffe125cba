"""Backward paging never misses a record that moves between pages, and fetches each version's detail once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from order_pipeline.platforms.backward_paging import Page, list_then_detail, pages_backward, pages_forward

START = datetime(2026, 3, 1, tzinfo=UTC)
END = START + timedelta(hours=1)


class MovingList:
    """A newest-first list of records in [START, END] whose records change while a client pages."""

    def __init__(self, count: int, page_size: int):
        self.page_size = page_size
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
        chunk = ids[(number - 1) * self.page_size: number * self.page_size]
        items = [{"id": k, "modified": self.modified[k]} for k in chunk]
        return Page(number, items, len(ids), [f"list-{len(self.reads)}"])

    def detail(self, key: str) -> tuple[dict, str]:
        self.details.append(key)
        return {"id": key, "modified": self.modified[key]}, f"detail-{key}"

    def leave(self, key: str) -> Callable[[], None]:
        def move() -> None:
            self.modified[key] = END + timedelta(minutes=5)  # modified "now", past the window's end
        return move


def pull(store: MovingList, *, detail: bool = True) -> list:
    return list(list_then_detail(
        pages_backward(store.read, store.page_size), stream="orders", window=None,
        key_of=lambda r: r["id"], modified_of=lambda r: r["modified"],
        detail=store.detail if detail else None, concurrency=4,
    ))


def forward_ids(store: MovingList) -> set[str]:
    seen, number = set(), 1
    while True:
        page = store.read(number)
        seen |= {r["id"] for r in page.items}
        if number * store.page_size >= page.total:
            return seen
        number += 1


def test_everything_on_one_page_is_one_list_request():
    store = MovingList(count=80, page_size=100)
    batches = pull(store)
    assert store.reads == [1]
    assert len(batches) == 1 and len(batches[0].records) == 80
    assert batches[0].request_ids[0] == "list-1" and len(batches[0].request_ids) == 81


def test_walks_last_page_back_then_rereads_page_one():
    store = MovingList(count=350, page_size=100)
    batches = pull(store)
    assert store.reads == [1, 4, 3, 2, 1]
    assert [len(b.records) for b in batches] == [100, 50, 100, 100, 0]  # the re-read finds nothing new
    assert sorted(store.details) == sorted(store.modified)  # one detail per record, none twice
    assert [b.request_ids[0] for b in batches] == [f"list-{i}" for i in range(1, 6)]


def test_records_leaving_the_window_while_paging_never_hide_others():
    stayers_expected = None
    for read_number in range(1, 5):  # a record on page 1 or 2 is modified before each possible read
        store = MovingList(count=350, page_size=100)
        leaver = store.in_window()[120 if read_number > 2 else 10]
        store.before_read[read_number] = store.leave(leaver)
        got = {r["id"] for b in pull(store) for r in b.records}
        stayers_expected = set(store.in_window())
        assert stayers_expected <= got, f"missed {stayers_expected - got} when {leaver} left before read {read_number}"
        assert len(store.details) == len(set(store.details)), "a detail was fetched twice for one version"


def test_a_forward_reader_would_have_missed_one():
    """The reason for all this: the same change read forwards loses the record sliding onto page 1."""
    store = MovingList(count=350, page_size=100)
    store.before_read[1] = store.leave(store.in_window()[10])  # after page 1 was read, before page 2
    got = forward_ids(store)
    assert set(store.in_window()) - got


def test_many_leavers_and_list_only_stream():
    store = MovingList(count=1000, page_size=100)
    ids = store.in_window()
    for read_number, index in [(1, 5), (2, 150), (3, 420), (5, 30), (7, 99), (9, 100)]:
        store.before_read[read_number] = store.leave(ids[index])
    batches = pull(store, detail=False)
    got = [r["id"] for b in batches for r in b.records]
    assert set(store.in_window()) <= set(got)
    assert len(got) == len(set(got)), "a record at the same version was yielded twice"
    assert store.details == []


def test_newer_version_seen_later_is_fetched_again_and_nothing_slides_away():
    store = MovingList(count=150, page_size=100)
    key, last_of_page_one = store.in_window()[120], store.in_window()[99]
    original = store.modified[key]

    def bump() -> None:  # modified again, still inside the window (only possible if the window reaches now)
        store.modified[key] = END
    store.before_read[2] = bump  # after page 2 was read, before page 1 is re-read
    batches = pull(store)
    versions = [r["modified"] for b in batches for r in b.records if r["id"] == key]
    assert versions == [original, END]
    assert store.details.count(key) == 2
    # the bump pushed page 1's last record onto page 2 (already read): the probe read of page 1 kept it
    assert last_of_page_one in {r["id"] for b in batches for r in b.records}


def test_growth_while_paging_walks_again():
    store = MovingList(count=250, page_size=100)

    def grow() -> None:
        for i in range(30):
            store.modified[f"new{i}"] = END - timedelta(seconds=i)
    store.before_read[2] = grow  # after the last page was read: records slid onto pages already read
    got = {r["id"] for b in pull(store) for r in b.records}
    assert set(store.in_window()) <= got
    assert store.reads == [1, 3, 2, 1, 3, 2, 1]  # the list grew to 280 records: walked again


def test_forward_pages_stop_at_total():
    store = MovingList(count=250, page_size=100)
    assert [p.number for p in pages_forward(store.read, 100)] == [1, 2, 3]
    empty = MovingList(count=0, page_size=100)
    assert [p.number for p in pages_forward(empty.read, 100)] == [1]
