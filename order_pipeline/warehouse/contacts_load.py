"""Receiver data of newly loaded order versions: decrypted, cleaned, masked and hashed in Python.

SQL is the wrong tool here: the fields are AES-GCM ciphertexts, phones need `phonenumbers`, addresses a
gazetteer. DuckDB still does what it is good at: it pulls exactly the receiver fields out of the JSON payloads
(bound JSON paths from `CONTACT_FIELDS`), streamed in Arrow batches so a million orders never sit in Python
at once. Output rows keep only masked forms, validity flags, keyed hashes and the landing ciphertexts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb

from order_pipeline.cleaning.contacts import CONTACT_FIELDS, ContactCleaner

BATCH_ROWS = 20_000
_KEYS = ("landing_file", "file_row", "platform", "shop_key", "record_key", "record_modified")
OUTPUT_COLUMNS = (
    "customer_id", "receiver_name_masked", "phone_masked", "phone_valid", "phone_region", "phone_invalid_reason",
    "province", "city", "district", "postcode", "postcode_valid", "address_valid", "remote_area",
    "address_hash", "name_cipher", "phone_cipher", "address_cipher",
)


@dataclass
class ContactLoadStats:
    cleaned: int = 0
    quarantined: Counter = field(default_factory=Counter)


def load_contacts(con: duckdb.DuckDBPyConnection, load_id: int, cleaner: ContactCleaner) -> ContactLoadStats:
    """Clean the receiver of every order version of `load_id`; quarantine those that cannot be used."""
    stats = ContactLoadStats()
    regions = dict(con.execute("select shop_key, region from landing.shops").fetchall())
    cleaned: list[tuple] = []
    quarantined: list[tuple] = []
    for platform, paths in CONTACT_FIELDS.items():
        names = list(paths)
        extracts = ", ".join("case when json_valid(payload) then json_extract_string(payload, ?) end" for _ in names)
        reader = con.sql(
            f"select {', '.join(_KEYS)}, {extracts} from landing.orders where load_id = ? and platform = ?",
            params=["$." + paths[name] for name in names] + [load_id, platform],
        ).to_arrow_reader(BATCH_ROWS)
        for batch in reader:
            columns = batch.to_pydict()
            for i in range(batch.num_rows):
                keys = tuple(columns[k][i] for k in _KEYS)
                fields = {name: columns[batch.schema.names[len(_KEYS) + j]][i] for j, name in enumerate(names)}
                row = cleaner.clean(platform, regions.get(keys[3], ""), fields)
                reason = row.get("quarantine_reason")
                if reason:
                    stats.quarantined[reason.split(":")[0]] += 1
                    quarantined.append(("orders", *keys[2:], keys[0], keys[1], reason, None, load_id))
                else:
                    stats.cleaned += 1
                    cleaned.append((load_id, *keys[:2], *keys[2:], *(row[c] for c in OUTPUT_COLUMNS)))
    _insert(con, "landing.order_contacts", cleaned)
    _insert(con, "landing.quarantine", quarantined)
    return stats


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    """Bulk insert through a pandas frame: executemany on a million rows would take minutes."""
    if not rows:
        return
    import pandas as pd

    width = len(rows[0])
    frame = pd.DataFrame.from_records(rows, columns=[f"c{i}" for i in range(width)])
    con.register("_rows", frame)
    try:
        con.execute(f"insert into {table} select * from _rows")  # table is one of two constants above
    finally:
        con.unregister("_rows")
