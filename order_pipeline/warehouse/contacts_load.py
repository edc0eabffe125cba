"""Receiver data of newly loaded order versions: decrypted, cleaned, masked and hashed in Python.

SQL is the wrong tool here: the fields are AES-GCM ciphertexts, phones need `phonenumbers`, addresses a
gazetteer. DuckDB still does what it is good at: it pulls exactly the receiver fields out of the JSON payloads
(bound JSON paths from `CONTACT_FIELDS`) into a temporary table once. Python then works through it in chunks:
worker processes clean a chunk while the loader inserts the previous one, so memory stays bounded (a chunk at
a time, not a million orders) and both cores work. Output rows keep only masked forms, validity flags, keyed
hashes and the landing ciphertexts.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import duckdb

from order_pipeline.cleaning.contacts import CONTACT_FIELDS, ContactCleaner

CHUNK_ROWS = 25_000
PARALLEL_FROM_ROWS = 100_000  # below this, worker start-up (~2 s each) costs more than it saves
LOGICAL_FIELDS = ("name", "phone", "phone_fallback", "province", "city", "district", "town", "detail",
                  "postcode", "region")
KEYS = ("landing_file", "file_row", "platform", "shop_key", "record_key", "record_modified")
OUTPUT_COLUMNS = (
    "customer_id", "receiver_name_masked", "phone_masked", "phone_valid", "phone_region", "phone_invalid_reason",
    "province", "city", "district", "postcode", "postcode_valid", "address_valid", "remote_area",
    "address_hash", "name_cipher", "phone_cipher", "address_cipher",
)


@dataclass
class ContactLoadStats:
    cleaned: int = 0
    quarantined: Counter = field(default_factory=Counter)


def _names(platform: str) -> list[str]:
    """The receiver fields a platform has, in the order `_extract` stores them."""
    return [name for name in LOGICAL_FIELDS if name in CONTACT_FIELDS[platform]]


def _extract(con: duckdb.DuckDBPyConnection, load_id: int) -> int:
    """One temporary table of (keys, region, receiver fields) for every order version of the load. One JSON
    parse per payload: the list form of json_extract_string reads every path in the same pass."""
    con.execute("create or replace temp table contact_fields (rid bigint, landing_file varchar, file_row integer, "
                "platform varchar, shop_key varchar, record_key varchar, record_modified timestamptz, "
                "region varchar, fields varchar[])")
    for platform, paths in CONTACT_FIELDS.items():
        con.execute(
            """
            insert into contact_fields
            select row_number() over () + (select count(*) from contact_fields), o.landing_file, o.file_row,
                   o.platform, o.shop_key, o.record_key, o.record_modified, shops.region,
                   case when json_valid(o.payload) then json_extract_string(o.payload, ?) end
            from landing.orders as o left join landing.shops as shops using (shop_key)
            where o.load_id = ? and o.platform = ?
            """,
            [["$." + paths[name] for name in _names(platform)], load_id, platform],
        )
    return con.execute("select count(*) from contact_fields").fetchall()[0][0]


def _chunks(con: duckdb.DuckDBPyConnection, total: int) -> Iterator:
    """Arrow tables of CHUNK_ROWS rows: cheap to hand to a worker process, no Python objects in the loader."""
    for start in range(1, total + 1, CHUNK_ROWS):
        yield con.sql("select * exclude (rid) from contact_fields where rid >= ? and rid < ?",
                      params=[start, start + CHUNK_ROWS]).to_arrow_table()


_worker_cleaner: ContactCleaner | None = None


def _init_worker(pii_key: bytes) -> None:
    global _worker_cleaner
    from order_pipeline.cleaning.customers import CustomerKeys
    from order_pipeline.landing.pii import PiiCipher

    _worker_cleaner = ContactCleaner(PiiCipher(pii_key), CustomerKeys(pii_key))


def _clean_chunk(chunk, cleaner: ContactCleaner | None = None):  # noqa: ANN001, ANN201 - pyarrow Tables
    """The cleaned rows (keys, quarantine_reason, output values) of one chunk, as an Arrow table; runs in a
    worker process or, for small loads, in the loader itself."""
    import pyarrow as pa

    cleaner = cleaner or _worker_cleaner
    columns = chunk.to_pydict()
    names = {platform: _names(platform) for platform in CONTACT_FIELDS}
    out: dict[str, list] = {name: [] for name in (*KEYS, "quarantine_reason", *OUTPUT_COLUMNS)}
    for i in range(chunk.num_rows):
        platform = columns["platform"][i]
        values = columns["fields"][i] or [None] * len(names[platform])
        result = cleaner.clean(platform, columns["region"][i] or "", dict(zip(names[platform], values, strict=True)))
        for key in KEYS:
            out[key].append(columns[key][i])
        for name in ("quarantine_reason", *OUTPUT_COLUMNS):
            out[name].append(result.get(name))
    return pa.table({name: pa.array(values, type=_arrow_type(name)) for name, values in out.items()})


def _arrow_type(name: str):  # noqa: ANN202
    import pyarrow as pa

    if name == "file_row":
        return pa.int32()
    if name == "record_modified":
        return pa.timestamp("us", tz="UTC")
    if name in ("phone_valid", "postcode_valid", "address_valid", "remote_area"):
        return pa.bool_()
    return pa.string()


def load_contacts(con: duckdb.DuckDBPyConnection, load_id: int, cleaner: ContactCleaner) -> ContactLoadStats:
    """Clean the receiver of every order version of `load_id`; quarantine those that cannot be used."""
    stats = ContactLoadStats()
    total = _extract(con, load_id)
    if total >= PARALLEL_FROM_ROWS:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding a DuckDB connection
        with ProcessPoolExecutor(2, mp_context=context, initializer=_init_worker,
                                 initargs=(cleaner.cipher.key,)) as pool:
            # map() submits every chunk at once: read them lazily, a few ahead, to bound memory
            pending = []
            for rows in _chunks(con, total):
                pending.append(pool.submit(_clean_chunk, rows))
                if len(pending) >= 3:
                    _store(con, load_id, pending.pop(0).result(), stats)
            for future in pending:
                _store(con, load_id, future.result(), stats)
    else:
        for rows in _chunks(con, total):
            _store(con, load_id, _clean_chunk(rows, cleaner), stats)
    con.execute("drop table contact_fields")
    return stats


def _store(con: duckdb.DuckDBPyConnection, load_id: int, rows, stats: ContactLoadStats) -> None:  # noqa: ANN001
    con.register("contact_rows", rows)
    try:
        quarantined = con.execute("select quarantine_reason, count(*) from contact_rows "
                                  "where quarantine_reason is not null group by all").fetchall()
        for reason, count in quarantined:
            stats.quarantined[reason.split(":")[0]] += count
        stats.cleaned += rows.num_rows - sum(count for _, count in quarantined)
        con.execute(f"""insert into landing.order_contacts
                        select ?, {", ".join(KEYS)}, {", ".join(OUTPUT_COLUMNS)} from contact_rows
                        where quarantine_reason is null""", [load_id])
        con.execute("""insert into landing.quarantine
                       select 'orders', platform, shop_key, record_key, record_modified, landing_file, file_row,
                              quarantine_reason, null, ? from contact_rows where quarantine_reason is not null""",
                    [load_id])
    finally:
        con.unregister("contact_rows")
