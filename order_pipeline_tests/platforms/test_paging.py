"""`paging.walk_backward` (pages from 0, Douyin style) and `LatestVersions`, on a list held in memory."""

from __future__ import annotations

from order_pipeline.platforms.paging import LatestVersions, Page, walk_backward


class Listing:
    """A newest-first list of ids; `after` runs after each read, like a platform changing under a client."""

    def __init__(self, ids: list[str], size: int = 10):
        self.ids, self.size, self.reads, self.after = ids, size, [], None

    def read(self, number: int) -> Page:
        self.reads.append(number)
        chunk = self.ids[number * self.size:(number + 1) * self.size]
        page = Page(number, [{"id": i} for i in chunk], len(self.ids), [f"r{len(self.reads)}"])
        if self.after:
            self.after(number)
        return page


def walk(listing: Listing) -> list[Page]:
    return list(walk_backward(listing.read, first=0, size=listing.size, key=lambda r: r["id"]))


def test_one_page_is_one_read():
    listing = Listing([f"o{i}" for i in range(7)])
    assert [len(p.records) for p in walk(listing)] == [7] and listing.reads == [0]


def test_pages_are_read_last_first_and_page_zero_again_with_both_request_ids():
    listing = Listing([f"o{i}" for i in range(35)])
    pages = walk(listing)
    assert listing.reads == [0, 3, 2, 1, 0]
    assert pages[-1].request_ids == ["r1", "r5"]
    assert sorted(r["id"] for p in pages for r in p.records) == sorted(listing.ids)


def test_a_record_gone_before_the_reread_is_still_yielded_once():
    listing = Listing([f"o{i}" for i in range(25)])
    listing.after = lambda number: listing.ids.remove("o0") if number == 1 and "o0" in listing.ids else None
    ids = [r["id"] for p in walk(listing) for r in p.records]
    assert sorted(set(ids)) == sorted(f"o{i}" for i in range(25)) and ids.count("o0") == 1


def test_a_list_that_grows_while_paging_is_walked_again():
    listing = Listing([f"o{i}" for i in range(25)])
    listing.after = lambda number: listing.ids.insert(0, "new") if number == 2 and "new" not in listing.ids else None
    ids = {r["id"] for p in walk(listing) for r in p.records}
    assert ids == set(listing.ids) and listing.reads == [0, 2, 1, 0, 2, 1, 0]


def test_latest_versions_takes_each_version_once():
    seen = LatestVersions()
    assert seen.is_new("a", 10) and not seen.is_new("a", 10) and not seen.is_new("a", 9)
    assert seen.is_new("a", 11) and seen.is_new("b", None) and not seen.is_new("b", None)
    assert len(seen) == 2
