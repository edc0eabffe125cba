"""Digests, worst-first examples, personal data kept out, and every rendering within its service's limits."""

from __future__ import annotations

import pytest

from order_pipeline.alerts.channels import dingtalk, feishu, slack, wecom
from order_pipeline.alerts.channels.base import encode_json
from order_pipeline.alerts.messages import AlertItem, AlertMessage, digest, single, worst_first


def _alert(key: str, level: int, overdue: float, platform: str = "taobao", shop: str = "tmall_flagship"):
    return AlertItem(key, platform, shop, level, "normal SLA 2 h breached", overdue)


def test_digest_counts_per_level_platform_and_shop():
    alerts = [_alert("A", 1, 10), _alert("B", 2, 5, "jd", "jd_pop"), _alert("C", 1, 50, "jd", "jd_pop")]
    message = digest(alerts)
    assert message.digest is not None
    assert (message.digest.total, message.digest.by_level) == (3, {1: 2, 2: 1})
    assert message.digest.by_platform == {"taobao": 1, "jd": 2}
    assert message.digest.by_shop == {"tmall_flagship": 1, "jd_pop": 2}
    assert message.level == 2 and message.title.startswith("[L2 ")
    assert set(message.order_keys) == {"A", "B", "C"}


def test_worst_is_highest_level_then_longest_overdue():
    alerts = [_alert("low-long", 1, 500), _alert("high-short", 3, 1), _alert("high-long", 3, 90),
              _alert("mid", 2, 1000)]
    assert [a.order_key for a in worst_first(alerts)] == ["high-long", "high-short", "mid", "low-long"]
    message = digest(alerts, max_examples=2)
    assert [a.order_key for a in message.examples] == ["high-long", "high-short"]
    assert "low-long" not in message.text() and "high-long" in message.text()


def test_digest_of_many_shops_lists_the_biggest_and_sums_the_rest():
    alerts = [_alert(f"O{i}", 1, i, shop=f"shop{i % 15:02d}") for i in range(150)]
    line = next(line for line in digest(alerts).lines if line.startswith("By shop"))
    assert line.count("shop") == 11 and line.endswith("others 50")


def test_digest_needs_alerts():
    with pytest.raises(ValueError, match="at least one"):
        digest([])


@pytest.mark.parametrize("phone", ["13812345678", "+86 138 1234 5678", "+86-138-1234-5678", "86 13812345678"])
def test_no_phone_number_survives_into_a_message(phone: str):
    alert = AlertItem("TB-1", "taobao", "tmall_flagship", 1, f"buyer asked to call {phone} before shipping", 5)
    for message in (single(alert), digest([alert])):
        text = message.text() + str(message.to_document())
        assert "1234" not in text and "[phone removed]" in text


def test_order_keys_with_digits_are_kept():
    alert = AlertItem("4781320682406083640", "douyin", "douyin_main", 2, "stuck in picking > 2 h", 130)
    assert "4781320682406083640" in single(alert).text()


def test_levels_outside_1_to_3_are_refused():
    with pytest.raises(ValueError, match="level"):
        _alert("X", 4, 1)
    with pytest.raises(ValueError, match="level"):
        AlertMessage("t", 0, ())


def test_message_id_is_stable_and_ignores_order_of_keys():
    a, b = _alert("A", 1, 1), _alert("B", 1, 2)
    assert digest([a, b]).message_id == digest([b, a]).message_id
    assert digest([a, b]).message_id != digest([a]).message_id


def test_huge_messages_fit_each_service_limit():
    lines = tuple(f"订单 O{i:05d} · 超时 {i} 分钟 · " + "说明" * 40 for i in range(2000))
    message = AlertMessage("[L3 hold 熔断] 2000 overdue orders", 3, lines)

    assert len(wecom.render(message)["markdown"]["content"].encode()) <= 4096  # type: ignore[index]
    assert len(dingtalk.render(message)["markdown"]["text"].encode()) <= 18_000  # type: ignore[index]
    assert len(encode_json(feishu.render(message))) < 20_000
    rendered = slack.render(message)
    blocks = rendered["blocks"]
    assert isinstance(blocks, list) and len(blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert len(rendered["text"]) <= 4000  # type: ignore[arg-type]
    assert blocks[-1]["text"]["text"] == "… (truncated)"
