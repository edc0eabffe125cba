"""The policies file: the shipped one is valid and means what the mission says; mistakes fail loudly, naming
the file and the field, because a misread SLA silently stops (or floods) the alerts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from order_pipeline.operations import PolicyConfigError, load_policies
from order_pipeline.operations.durations import format_duration, parse_duration
from order_pipeline.operations.policies import DEFAULT_POLICIES_FILE
from order_pipeline.simulator.catalog import CATEGORY_CODES

SHOPS = {"tmall_flagship": "taobao", "jd_pop": "jd", "shopee_sg": "shopee"}


def test_shipped_file_loads_against_the_shops_file() -> None:
    policies = load_policies()  # config/sla_policies.yaml checked against config/shops.yaml
    minutes = {rule.id: rule.ship_within for rule in policies.sla}
    assert minutes["normal"] == timedelta(hours=2) and minutes["fresh_food"] == timedelta(minutes=30)
    assert policies.default_category == "normal"
    assert policies.levels.reminder_after == timedelta(minutes=15)
    assert policies.stuck_stage_after == timedelta(hours=2)
    assert policies.routing.high_value["CNY"] == 5000 and policies.routing.purchase_limit_units.per_order == 20


def test_shipped_categories_cover_the_demo_merchants_codes() -> None:
    prefixes = {name: spec.sku_code_prefixes for name, spec in load_policies().categories.items()}
    for category, code in CATEGORY_CODES.items():
        assert code in prefixes[category], category


@pytest.mark.parametrize(("text", "minutes"), [("30m", 30), ("2h", 120), ("1h30m", 90), ("1d", 1440),
                                               (" 2H ", 120), ("45min", 45)])
def test_durations(text: str, minutes: int) -> None:
    assert parse_duration(text) == timedelta(minutes=minutes)
    assert parse_duration(format_duration(parse_duration(text))) == timedelta(minutes=minutes)


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "sla_policies.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def _base() -> dict:
    return yaml.safe_load(DEFAULT_POLICIES_FILE.read_text(encoding="utf-8"))


def _rule(**fields: object) -> dict:
    return {"id": "extra", "category": "normal", "ship_within": "1h", **fields}


CASES = [
    ("unknown category", lambda d: d["sla"].append(_rule(category="frozen_food")),
     "sla[2] (extra).category: unknown category 'frozen_food'"),
    ("negative duration", lambda d: d["sla"][0].update(ship_within="-5m"),
     "sla[0] (normal).ship_within: must be positive, got '-5m'"),
    ("zero duration", lambda d: d["sla"][1].update(ship_within="0m"),
     "sla[1] (fresh_food).ship_within: must be positive"),
    ("duration text", lambda d: d["levels"].update(reminder_after="15 minutes please"),
     "levels.reminder_after: bad duration '15 minutes please'"),
    ("bare number", lambda d: d.update(stuck_stage_after=120), "stuck_stage_after: bad duration 120: a bare number"),
    ("empty duration", lambda d: d["sla"][0].update(ship_within=None), "sla[0] (normal).ship_within: bad duration None"),
    ("unknown platform", lambda d: d["sla"].append(_rule(platform="tiktok")),
     "sla[2] (extra).platform: unknown platform 'tiktok'"),
    ("unknown shop", lambda d: d["sla"].append(_rule(shop_key="tmall_outlet")),
     "sla[2] (extra).shop_key: unknown shop 'tmall_outlet'"),
    ("shop on another platform", lambda d: d["sla"].append(_rule(shop_key="jd_pop", platform="taobao")),
     "sla[2] (extra).platform: shop 'jd_pop' is on jd, not taobao"),
    ("same specificity, platform", lambda d: d["sla"].extend([_rule(id="a", platform="jd"),
                                                              _rule(id="b", platform="jd", ship_within="3h")]),
     "sla[3] (b): overlaps rule 'a' with the same specificity"),
    ("same specificity, shop", lambda d: d["sla"].extend([_rule(id="a", shop_key="jd_pop"),
                                                          _rule(id="b", shop_key="jd_pop", platform="jd")]),
     "sla[3] (b): overlaps rule 'a'"),
    ("same specificity, category", lambda d: d["sla"].append(_rule(category="fresh_food")),
     "sla[2] (extra): overlaps rule 'fresh_food'"),
    ("duplicate id", lambda d: d["sla"].append(_rule(id="normal", platform="jd")),
     "sla[2] (normal).id: duplicate rule id 'normal'"),
    ("no default rule", lambda d: d.update(sla=[d["sla"][1]]), "sla: no rule for the default category 'normal'"),
    ("overlapping prefixes", lambda d: d["categories"].update(frozen={"sku_code_prefixes": ["FF1"]}),
     "categories.frozen.sku_code_prefixes: prefix 'FF1' overlaps prefix 'FF' of category fresh_food"),
    ("default category with prefixes", lambda d: d["categories"].update(normal={"sku_code_prefixes": ["GC"]}),
     "categories.normal: the default category"),
    ("no prefixes", lambda d: d["categories"].update(toys={"sku_code_prefixes": []}),
     "categories.toys.sku_code_prefixes: List should have at least 1 item"),
    ("working hours backwards", lambda d: d["working_hours"].update(jd_pop="21:00-09:00"),
     "working_hours.jd_pop: bad working hours '21:00-09:00': start must be before end"),
    ("working hours text", lambda d: d["working_hours"].update(jd_pop="9am-9pm"), "working_hours.jd_pop: bad working"),
    ("working hours unknown shop", lambda d: d["working_hours"].update(tmall_outlet="09:00-21:00"),
     "working_hours.tmall_outlet: unknown shop"),
    ("negative threshold", lambda d: d["routing"]["high_value"].update(CNY=-1),
     "routing.high_value.CNY: Input should be greater than 0"),
    ("currency code", lambda d: d["routing"]["high_value"].update(rmb=5000), "routing.high_value.rmb"),
    ("zero limit", lambda d: d["routing"]["purchase_limit_units"].update(per_order=0),
     "routing.purchase_limit_units.per_order: Input should be greater than 0"),
    ("typo", lambda d: d["levels"].update(reminder_afer="10m"), "levels.reminder_afer: Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("change", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_errors_name_the_file_and_the_field(tmp_path: Path, change, expected: str) -> None:
    document = _base()
    document["working_hours"] = {key: value for key, value in document["working_hours"].items() if key in SHOPS}
    load_policies(_write(tmp_path, document), shops=SHOPS)  # the base itself is valid
    change(document)
    path = _write(tmp_path, document)
    with pytest.raises(PolicyConfigError) as error:
        load_policies(path, shops=SHOPS)
    assert str(error.value).startswith(f"{path}: "), str(error.value)
    assert expected in str(error.value), str(error.value)


def test_more_specific_rules_may_narrow_the_same_category(tmp_path: Path) -> None:
    document = _base()
    document["working_hours"] = {}
    document["sla"] += [_rule(id="jd", platform="jd", ship_within="3h"), _rule(id="jd_pop", shop_key="jd_pop"),
                        _rule(id="fresh_jd", category="fresh_food", platform="jd", ship_within="20m")]
    specificity = {rule.id: rule.specificity for rule in load_policies(_write(tmp_path, document), shops=SHOPS).sla}
    assert specificity == {"normal": 0, "fresh_food": 0, "jd": 1, "jd_pop": 2, "fresh_jd": 1}


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(PolicyConfigError, match="not found"):
        load_policies(tmp_path / "nope.yaml", shops=SHOPS)
    broken = tmp_path / "broken.yaml"
    broken.write_text("sla: [unclosed\n", encoding="utf-8")
    with pytest.raises(PolicyConfigError, match="not valid YAML"):
        load_policies(broken, shops=SHOPS)
