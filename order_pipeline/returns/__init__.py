"""Returns attribution (F11): refund and return reasons mapped to one taxonomy across platforms.

`reasons.classify_reason` / `classify_many` turn a platform reason code and the buyer's free text into one of
`reasons.CATEGORIES`, so return rates can be compared by reason across Taobao, JD, Douyin and Shopee.
"""

from order_pipeline.returns.reasons import CATEGORIES, ReasonMatch, classify_many, classify_reason

__all__ = ["CATEGORIES", "ReasonMatch", "classify_many", "classify_reason"]
