"""Per order version: the receiver decrypted, cleaned, validated, masked and hashed, as one row.

The warehouse loader pulls the receiver fields out of each landed payload with DuckDB (the JSON paths are in
`CONTACT_FIELDS`) and calls `ContactCleaner.clean` once per order version. The row it gets back holds no
personal data in clear: masked name and phone, validity flags, canonical divisions (not personal on their own),
keyed hashes, and the landing ciphertexts unchanged, so `reveal` can still answer "who is this" for someone
holding the key. Plaintexts live only in local variables of `clean`.

Only a record that cannot be used at all is quarantined: a ciphertext that does not decrypt (wrong key,
tampered, or moved to another field: the field path is the AES-GCM associated data), a clear value where the
landing always encrypts (personal data that escaped encryption must not be copied on), or no receiver at all.
An invalid phone or an address without district is a real order with dirty data: it is flagged, not dropped.
"""

from __future__ import annotations

from collections.abc import Mapping

from cryptography.exceptions import InvalidTag

from order_pipeline.cleaning.addresses import (
    mask_name,
    normalize_postcode,
    postcode_valid,
    split_cn_address,
    split_local_address,
)
from order_pipeline.cleaning.customers import CustomerKeys
from order_pipeline.cleaning.phones import mask_phone, normalize_phone
from order_pipeline.cleaning.text import clean_text
from order_pipeline.landing.pii import PREFIX, PiiCipher

# Logical receiver field -> JSON path in the landed order payload. The adapters encrypt the name, phone(s) and
# street line (their `pii_paths`, with the path joined by "." as associated data); divisions and postcodes stay
# clear. Douyin's `town` is the district level and its `street` the township. JD and Douyin have no postcode.
# Shopee's `region` (the payload's own) is the fallback when the loader does not know the shop's region.
CONTACT_FIELDS: dict[str, dict[str, str]] = {
    "taobao": {
        "name": "receiver_name", "phone": "receiver_mobile", "phone_fallback": "receiver_phone",
        "province": "receiver_state", "city": "receiver_city", "district": "receiver_district",
        "town": "receiver_town", "detail": "receiver_address", "postcode": "receiver_zip",
    },
    "jd": {
        "name": "consigneeInfo.fullname", "phone": "consigneeInfo.mobile", "phone_fallback": "consigneeInfo.telephone",
        "province": "consigneeInfo.province", "city": "consigneeInfo.city", "district": "consigneeInfo.county",
        "town": "consigneeInfo.town", "detail": "consigneeInfo.fullAddress",
    },
    "douyin": {
        "name": "post_receiver", "phone": "post_tel", "province": "post_addr.province.name",
        "city": "post_addr.city.name", "district": "post_addr.town.name", "town": "post_addr.street.name",
        "detail": "post_addr.detail",
    },
    "shopee": {
        "name": "recipient_address.name", "phone": "recipient_address.phone", "province": "recipient_address.state",
        "city": "recipient_address.city", "district": "recipient_address.district", "town": "recipient_address.town",
        "detail": "recipient_address.full_address", "postcode": "recipient_address.zipcode",
        "region": "recipient_address.region",
    },
}
ENCRYPTED = frozenset({"name", "phone", "phone_fallback", "detail"})  # on every platform
DEFAULT_REGION = {"taobao": "CN", "jd": "CN", "douyin": "CN"}
OUTPUT_KEYS = (
    "customer_id", "receiver_name_masked", "phone_masked", "phone_valid", "phone_region", "phone_invalid_reason",
    "province", "city", "district", "postcode", "postcode_valid", "address_valid", "remote_area", "address_hash",
    "name_cipher", "phone_cipher", "address_cipher", "quarantine_reason",
)


def _unless_masked(text: str) -> str:
    """"" for a value the platform masked (段*, ****: Douyin's list call sends only those), which says nothing
    about the person and, used as a key, would merge every buyer whose name starts with 段 into one customer."""
    return "" if "*" in text else text


class _Unusable(Exception):
    """A field that cannot be read; the message is the quarantine reason (a field name, never its value)."""


def _quarantined(reason: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(OUTPUT_KEYS)
    row["quarantine_reason"] = reason
    return row


MEMO_LIMIT = 200_000  # derived rows kept per cleaner; an order has ~2.5 versions with the same receiver


class ContactCleaner:
    def __init__(self, cipher: PiiCipher, keys: CustomerKeys):
        self.cipher = cipher
        self.keys = keys
        # plaintext receiver -> derived values. Versions of one order repeat the receiver, but their ciphertexts
        # differ (fresh nonces), so only decryption is per version; the rest is looked up. In memory only.
        self._memo: dict[tuple, dict[str, object]] = {}

    @classmethod
    def from_env(cls) -> ContactCleaner:
        return cls(PiiCipher.from_env(), CustomerKeys.from_env())

    def _open(self, paths: Mapping[str, str], field: str, fields: Mapping[str, str | None]) -> str:
        value = fields.get(field)
        if not value:
            return ""
        if not value.startswith(PREFIX):
            raise _Unusable(f"unencrypted:{field}")
        try:
            return self.cipher.decrypt(value, paths[field])
        except (ValueError, InvalidTag):
            raise _Unusable(f"undecryptable:{field}") from None  # no chaining: keep the value out of tracebacks

    def clean(self, platform: str, region: str | None, fields: Mapping[str, str | None]) -> dict[str, object]:
        """One output row (keys `OUTPUT_KEYS`) from the receiver fields of one order version, as extracted at
        `CONTACT_FIELDS[platform]` (ciphertexts for the encrypted ones, None when absent). `region` is the shop's
        region; `quarantine_reason` is None for a usable record, else every other value is None."""
        paths = CONTACT_FIELDS.get(platform)
        if paths is None:
            raise ValueError(f"unknown platform {platform!r}")
        region = (region or fields.get("region") or DEFAULT_REGION.get(platform) or "").upper()
        try:
            name = _unless_masked(clean_text(self._open(paths, "name", fields)))
            phone_text = self._open(paths, "phone", fields)
            phone_cipher = fields.get("phone") or None
            phone = normalize_phone(phone_text, region)
            if not phone.valid and "phone_fallback" in paths and fields.get("phone_fallback"):
                # decrypted only when needed: most orders have a mobile, and this is the hot path
                fallback_text = self._open(paths, "phone_fallback", fields)
                fallback = normalize_phone(fallback_text, region)
                if fallback.valid or phone.reason == "empty":
                    phone, phone_text, phone_cipher = fallback, fallback_text, fields.get("phone_fallback")
            detail = _unless_masked(self._open(paths, "detail", fields))
        except _Unusable as exc:
            return _quarantined(str(exc))

        memo_key = (platform, region, name, phone_text, detail, fields.get("province"), fields.get("city"),
                    fields.get("district"), fields.get("town"), fields.get("postcode"))
        derived = self._memo.get(memo_key)
        if derived is None:
            derived = self._derive(paths, region, name, phone, phone_text, detail, fields)
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[memo_key] = derived
        if derived.get("quarantine_reason"):
            return dict(derived)
        return {**derived, "name_cipher": fields.get("name") or None, "phone_cipher": phone_cipher,
                "address_cipher": fields.get("detail") or None}

    def _derive(self, paths: Mapping[str, str], region: str, name: str, phone, phone_text: str, detail: str,
                fields: Mapping[str, str | None]) -> dict[str, object]:
        if region == "CN":
            address = split_cn_address(fields.get("province"), fields.get("city"), fields.get("district"),
                                       detail, fields.get("town"))
        else:
            address = split_local_address(region, fields.get("province"), fields.get("city"),
                                          fields.get("district"), detail, fields.get("town"), fields.get("postcode"))
        if not (name or phone.reason != "empty" or address.detail or address.province or address.city
                or address.district):
            return _quarantined("no_receiver")
        postcode = normalize_postcode(fields.get("postcode")) or None
        keys = self.keys
        return {
            "customer_id": keys.customer_id(phone.e164, name=name, province=address.province, city=address.city,
                                            district=address.district, detail=address.detail),
            "receiver_name_masked": mask_name(name),
            "phone_masked": mask_phone(phone.e164 or phone_text),
            "phone_valid": phone.valid,
            "phone_region": phone.region,
            "phone_invalid_reason": phone.reason,
            "province": address.province,
            "city": address.city,
            "district": address.district,
            "postcode": postcode,
            "postcode_valid": postcode_valid(postcode, region) if "postcode" in paths else None,
            "address_valid": address.valid,
            "remote_area": address.remote,
            "address_hash": keys.address_hash(address.province, address.city, address.district, address.detail),
            "quarantine_reason": None,
        }


def reveal(cipher: PiiCipher, name_cipher: str | None, phone_cipher: str | None, address_cipher: str | None,
           platform: str) -> dict[str, str | None]:
    """The plaintext name, phone and address line (as landed, uncleaned) behind a row's ciphertexts, for the
    key holder. Raises ValueError naming the field (never its content) when a ciphertext does not decrypt."""
    paths = CONTACT_FIELDS[platform]
    phone_paths = [paths["phone"]] + ([paths["phone_fallback"]] if "phone_fallback" in paths else [])
    return {
        "name": _reveal(cipher, name_cipher, [paths["name"]], "name"),
        "phone": _reveal(cipher, phone_cipher, phone_paths, "phone"),  # the mobile, or the landline fallback
        "address": _reveal(cipher, address_cipher, [paths["detail"]], "address"),
    }


def _reveal(cipher: PiiCipher, token: str | None, candidates: list[str], label: str) -> str | None:
    if not token:
        return None
    for path in candidates:
        try:
            return cipher.decrypt(token, path)
        except (ValueError, InvalidTag):
            continue
    raise ValueError(f"the {label} ciphertext does not decrypt with this key")
