"""`order-pipeline customer reveal cus_...`: the one way back from a masked customer to the person.

Marts and the serving file hold only masked forms and keyed hashes. The landing ciphertexts of each order's
receiver stay in the warehouse (`landing.order_contacts`); only someone holding `ORDER_PIPELINE_PII_KEY`
can decrypt them, and this command prints nothing without it. It reads the warehouse read-only and refuses
cleanly while a pipeline run is writing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from order_pipeline.cleaning.contacts import reveal
from order_pipeline.landing.pii import PiiCipher, PiiKeyError, load_key
from order_pipeline.settings import data_dir


def reveal_customer(warehouse: Path, customer_id: str, cipher: PiiCipher) -> list[dict[str, str | None]]:
    """Every distinct receiver recorded under `customer_id`, newest order first (one per platform and shop)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            """
            select platform, shop_key, order_id, record_modified, name_cipher, phone_cipher, address_cipher
            from landing.order_contacts where customer_id = ?
            qualify row_number() over (partition by platform, shop_key order by record_modified desc) = 1
            order by record_modified desc
            """,
            [customer_id],
        ).fetchall()
    finally:
        con.close()
    revealed = []
    for platform, shop_key, order_id, modified, name, phone, address in rows:
        plain = reveal(cipher, name, phone, address, platform)
        revealed.append({"platform": platform, "shop_key": shop_key, "latest_order": order_id,
                         "seen_at": modified.isoformat(), **plain})
    return revealed


def reveal_command(customer_id: str) -> int:
    try:
        cipher = PiiCipher(load_key())
    except PiiKeyError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    warehouse = data_dir() / "warehouse.duckdb"
    try:
        found = reveal_customer(warehouse, customer_id, cipher)
    except duckdb.IOException as exc:
        print(f"cannot read {warehouse} now (a pipeline run may be writing it): {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a ciphertext that does not open: wrong key
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    if not found:
        print(f"no customer {customer_id} in {warehouse}", file=sys.stderr)
        return 1
    for entry in found:
        print("  ".join(f"{name}: {value}" for name, value in entry.items()))
    return 0
