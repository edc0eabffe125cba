"""Benchmark: classify 1,000,000 refund rows holding ~5,000 distinct (platform, code, text) triples.

Real refund tables repeat themselves (a few platform labels, buyers' stock phrases), so the classifier memoises
on the raw triple; this measures that path end to end, with the cache emptied before every run so each run
pays for classifying the ~5k distinct texts once. Prints the median of 3 runs for `classify_many` and for a
plain loop over `classify_reason` (its LRU cache), and the rate in rows/s.

Usage: .venv/bin/python bench/returns_reasons.py [--rows 1000000] [--distinct 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from order_pipeline.returns.reasons import classify_many, classify_reason, clear_cache  # noqa: E402

PHRASES = [
    "尺码偏小穿不上", "衣服太大了", "质量太差", "用了两天就坏了", "发错颜色了", "跟图片不一样", "色差大",
    "快递压坏了", "外包装破损", "七天无理由", "不想要了", "拍错了", "少发了一件", "缺配件", "发货太慢",
    "物流一直不更新", "其他", "", "size too small", "item arrived broken", "wrong item", "not as described",
    "changed my mind", "missing parts", "parcel not received", "Barang rusak", "Ukuran tidak sesuai",
    "Produto com defeito", "Atraso na entrega", "协商一致",
]
TAILS = ["", "，谢谢", "!!", "，麻烦尽快处理", "～", "。", " pls", "😭"]
CODES = {
    "taobao": ["七天无理由退换货", "质量问题", "卖家发错货", "其他", ""],
    "jd": ["商品质量问题", "不想要了", "发错货", ""],
    "douyin": ["七天无理由退货", "商家发货慢", "其他", ""],
    "shopee": ["WRONG_ITEM", "PHYSICAL_DMG", "CHANGE_MIND", "OTHER", "EXPECTATION_FAILED"],
}


def make_rows(n_rows: int, n_distinct: int, seed: int = 7) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    distinct: set[tuple[str, str, str]] = set()
    while len(distinct) < n_distinct:
        platform = rng.choice(list(CODES))
        text = rng.choice(PHRASES) + rng.choice(TAILS) + (f" #{rng.randrange(40)}" if rng.random() < 0.8 else "")
        distinct.add((platform, rng.choice(CODES[platform]), text))
    return rng.choices(sorted(distinct), k=n_rows)


def timed(fn, rows) -> float:
    clear_cache()
    started = time.perf_counter()
    fn(rows)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = make_rows(args.rows, args.distinct)
    print(f"{len(rows):,} rows, {len(set(rows)):,} distinct (platform, code, text)")
    for name, fn in (("classify_many", classify_many),
                     ("classify_reason loop", lambda rs: [classify_reason(p, c, t) for p, c, t in rs])):
        times = [timed(fn, rows) for _ in range(args.runs)]
        median = statistics.median(times)
        print(f"{name:<22} median of {args.runs}: {median:.3f} s  ({len(rows) / median:,.0f} rows/s)"
              f"  runs: {', '.join(f'{t:.3f}' for t in times)}")


if __name__ == "__main__":
    main()
