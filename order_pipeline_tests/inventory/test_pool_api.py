"""The simulated central stock pool over real HTTP: bearer auth, keyset paging and errors, against the ground
truth at the same frozen instant."""

from __future__ import annotations

import pytest

from order_pipeline.simulator.inventory import pool_item_rows
from order_pipeline_tests.inventory.helpers import pool_get


def _all_pages(url: str, page_size: int) -> tuple[list[dict], int]:
    items, token, calls = [], None, 0
    while True:
        response = pool_get(url, page_size=page_size, **({"page_token": token} if token else {}))
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["items"]
        calls += 1
        token = body["next_page_token"]
        if token is None:
            return items, calls


@pytest.mark.parametrize("page_size", [37, 500])
def test_keyset_pages_serve_every_item_once_in_order(sim, page_size):
    items, calls = _all_pages(sim.url, page_size)
    truth = pool_item_rows(sim.world)
    assert items == truth and len(truth) > 500
    assert calls == -(-len(truth) // page_size)
    keys = [(item["sku_code"], item["channel"]) for item in items]
    assert keys == sorted(set(keys))
    assert {item["channel"] for item in items} == {"tmall_flagship", "jd_pop", "douyin_main", "shopee_sg",
                                                    "shopee_id", "shopee_br"}
    for item in items:
        assert item["updated_at"].endswith("Z") and item["updated_at"] <= "2026-11-20T08:00:00Z"


def test_a_page_token_resumes_after_the_last_item_even_when_stock_moved(sim):
    first = pool_get(sim.url, page_size=100).json()
    sim.world.advance(3 * 3600)  # orders are paid and shipped meanwhile: quantities change, keys do not
    rest, token = [], first["next_page_token"]
    while token:
        body = pool_get(sim.url, page_size=500, page_token=token).json()
        rest += body["items"]
        token = body["next_page_token"]
    keys = [(item["sku_code"], item["channel"]) for item in first["items"] + rest]
    assert keys == [(item["sku_code"], item["channel"]) for item in pool_item_rows(sim.world)]


def test_errors_are_http_statuses_with_a_json_body(sim):
    for token in ("", "not-the-token"):
        refused = pool_get(sim.url, token=token)
        assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthenticated"
    too_big = pool_get(sim.url, page_size=501)
    assert too_big.status_code == 400 and too_big.json()["error"]["code"] == "invalid_argument"
    assert pool_get(sim.url, page_token="%%%").status_code == 400
    sim.set_rate_limit(1, burst=1, platform="pool")
    assert pool_get(sim.url).status_code == 200
    throttled = pool_get(sim.url)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) >= 1
    assert throttled.json()["error"]["code"] == "rate_limited"
