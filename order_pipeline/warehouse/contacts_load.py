"""Receiver data of newly loaded order versions: decrypted, cleaned, masked and hashed in Python.

SQL is the wrong tool here: the fields are AES-GCM ciphertexts, phones need `phonenumbers`, addresses a
gazetteer. But the versions of one order, and the orders of one customer, repeat the receiver: 2.5 M order
versions have about 0.7 M distinct receivers. So DuckDB names each version's receiver (`receiver_id`: a hash of
the landing writer's keyed `pii_digest` of the plaintext personal values, the clear division fields, and which
fields are encrypted, everything cleaning depends on) and Python decrypts and cleans each receiver not seen
before once, in worker processes, chunk by chunk. `landing.receivers` keeps one row per receiver (derived
values and one set of its ciphertexts, for `reveal`), `landing.order_receivers` the receiver of each version;
the view `landing.order_contacts` joins them for dbt. A version landed without a digest (older landing files)
is a receiver of its own.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from order_pipeline.cleaning.contacts import CONTACT_FIELDS, ENCRYPTED, ContactCleaner
from order_pipeline.warehouse.duckdb_memory import lowered_memory_limit

CHUNK_ROWS = 25_000
PARALLEL_FROM_ROWS = 100_000  # below this, worker start-up (~2 s each) costs more than it saves
WORKERS_MEMORY_LIMIT = "1500MB"  # DuckDB's cap in the loader while the two cleaning workers run
LOGICAL_FIELDS = ("name", "phone", "phone_fallback", "province", "city", "district", "town", "detail",
                  "postcode", "region")
DERIVED_COLUMNS = (
    "customer_id", "receiver_name_masked", "phone_masked", "phone_valid", "phone_region", "phone_invalid_reason",
    "province", "city", "district", "postcode", "postcode_valid", "address_valid", "remote_area",
    "address_hash",
)
CIPHER_COLUMNS = ("name_cipher", "phone_cipher", "address_cipher")


@dataclass
class ContactLoadStats:
    cleaned: int = 0
    quarantined: Counter = field(default_factory=Counter)
    receivers: int = 0  # receivers not seen before, decrypted and cleaned by this load


def _names(platform: str) -> list[str]:
    """The receiver fields a platform has, in the order `_extracted` lists them."""
    return [name for name in LOGICAL_FIELDS if name in CONTACT_FIELDS[platform]]


def _extracted(digest: str) -> str:
    """SQL of (version columns, region, fields, receiver_id) for the versions of one platform read from the
    load's landing files (`$files`, absolute; `$skip` strips the landing root): the warehouse keeps no copy of
    the payloads. `digest` is `pii_digest`, or `null` for files written before the landing writer had it. No
    join touches the Parquet rows (DuckDB 2.0 fails such a join at scale, see dbt_models/macros/landed.sql):
    the shop's region comes from a MAP of landing.shops. One JSON parse per payload: the list form of
    json_extract_string reads every path in one pass."""
    return f"""
        select *, md5(to_json(
                   [coalesce(pii_digest, landing_file || '#' || file_row), cast(fields is null as varchar), region]
                   || list_select(fields, $clear)
                   || list_transform(list_select(fields, $encrypted),
                                     lambda x: cast(starts_with(x, 'enc:v1:') as varchar)))::varchar)
               as receiver_id
        from (
            select cast($load_id as bigint) as load_id, substr(filename, $skip) as landing_file,
                   cast(file_row_number as integer) as file_row, platform, shop_key, record_key, record_modified,
                   {digest} as pii_digest,
                   coalesce(map_extract_value(map($shop_keys::varchar[], $regions::varchar[]), shop_key), '')
                       as region,
                   case when json_valid(payload) then json_extract_string(payload, $paths) end as fields
            from read_parquet($files, filename = true, file_row_number = true, hive_partitioning = false,
                              union_by_name = true)
            where platform = $platform
        )"""


def _params(con: duckdb.DuckDBPyConnection, platform: str, load_id: int, landing: Path) -> dict:
    names = _names(platform)
    root = landing.as_posix().rstrip("/") + "/"
    files = [root + row[0] for row in con.execute(
        "select distinct landing_file from landing.orders where load_id = ? and platform = ? order by 1",
        [load_id, platform]).fetchall()]
    shops = con.execute("select shop_key, coalesce(region, '') from landing.shops").fetchall()
    return {"paths": ["$." + CONTACT_FIELDS[platform][name] for name in names], "platform": platform,
            "clear": [i + 1 for i, name in enumerate(names) if name not in ENCRYPTED],
            "encrypted": [i + 1 for i, name in enumerate(names) if name in ENCRYPTED],
            "files": files, "skip": len(root) + 1, "load_id": load_id,
            "shop_keys": [key for key, _ in shops], "regions": [region for _, region in shops]}


def _has_digest(con: duckdb.DuckDBPyConnection, files: list[str]) -> bool:
    return bool(con.execute("select count(*) from (describe select * from read_parquet(?, union_by_name = true)) "
                            "where column_name = 'pii_digest'", [files]).fetchall()[0][0])


def _extract(con: duckdb.DuckDBPyConnection, load_id: int, landing: Path) -> int:
    """Record the receiver of every version of the load; collect in `receiver_fields` the fields of one
    representative version of each receiver not in `landing.receivers` yet. Returns how many there are."""
    con.execute("create or replace temp table version_receivers (load_id bigint, landing_file varchar, "
                "file_row integer, platform varchar, shop_key varchar, record_key varchar, "
                "record_modified timestamptz, receiver_id varchar, region varchar, fields varchar[])")
    for platform in CONTACT_FIELDS:
        params = _params(con, platform, load_id, landing)
        if params["files"]:
            digest = "pii_digest" if _has_digest(con, params["files"]) else "cast(null as varchar)"
            con.execute(f"""insert into version_receivers
                            select load_id, landing_file, file_row, platform, shop_key, record_key, record_modified,
                                   receiver_id, region, fields
                            from ({_extracted(digest)})""", params)
    con.execute("""insert into landing.order_receivers
                   select load_id, landing_file, file_row, platform, shop_key, record_key, record_modified,
                          receiver_id
                   from version_receivers""")
    # The representative is the receiver's first version by landing row. Found by key first and joined back for
    # its fields: an arg_min carrying the fields list through the aggregation took 8 s of 2.5 M versions, this 2.5 s.
    con.execute("""create or replace temp table receiver_fields as
                   with firsts as (
                       select receiver_id, platform, min((landing_file, file_row)) as origin
                       from version_receivers as v
                       where not exists (select 1 from landing.receivers as r where r.receiver_id = v.receiver_id)
                       group by receiver_id, platform)
                   select row_number() over () as gid, f.receiver_id, f.platform, v.region, v.fields
                   from firsts as f
                   join version_receivers as v on v.landing_file = f.origin[1] and v.file_row = f.origin[2]""")
    con.execute("drop table version_receivers")
    return con.execute("select count(*) from receiver_fields").fetchall()[0][0]


def _chunks(con: duckdb.DuckDBPyConnection, total: int) -> Iterator:
    """Arrow tables of CHUNK_ROWS receivers: cheap to hand to a worker process, no Python objects here."""
    for start in range(1, total + 1, CHUNK_ROWS):
        yield con.sql("select gid, receiver_id, platform, region, fields from receiver_fields "
                      "where gid >= ? and gid < ?",
                      params=[start, start + CHUNK_ROWS]).to_arrow_table()


_worker_cleaner: ContactCleaner | None = None


def _init_worker(pii_key: bytes) -> None:
    global _worker_cleaner
    from order_pipeline.cleaning.customers import CustomerKeys
    from order_pipeline.landing.pii import PiiCipher

    _worker_cleaner = ContactCleaner(PiiCipher(pii_key), CustomerKeys(pii_key))


def _clean_chunk(chunk, cleaner: ContactCleaner | None = None):  # noqa: ANN001, ANN201 - pyarrow Tables
    """(receiver_id, platform, quarantine_reason, derived values, ciphertexts) per receiver of one chunk, as an Arrow table; runs
    in a worker process or, for small loads, in the loader itself."""
    import pyarrow as pa

    cleaner = cleaner or _worker_cleaner
    columns = chunk.to_pydict()
    names = {platform: _names(platform) for platform in CONTACT_FIELDS}
    out: dict[str, list] = {name: [] for name in ("receiver_id", "platform", "quarantine_reason", *DERIVED_COLUMNS,
                                                  *CIPHER_COLUMNS)}
    for i in range(chunk.num_rows):
        platform = columns["platform"][i]
        values = columns["fields"][i] or [None] * len(names[platform])
        result = cleaner.clean(platform, columns["region"][i], dict(zip(names[platform], values, strict=True)))
        out["receiver_id"].append(columns["receiver_id"][i])
        out["platform"].append(platform)
        for name in ("quarantine_reason", *DERIVED_COLUMNS, *CIPHER_COLUMNS):
            out[name].append(result.get(name))
    return pa.table({name: pa.array(values, type=_arrow_type(name)) for name, values in out.items()})


def _arrow_type(name: str):  # noqa: ANN202
    import pyarrow as pa

    if name in ("phone_valid", "postcode_valid", "address_valid", "remote_area"):
        return pa.bool_()
    return pa.string()


def load_contacts(con: duckdb.DuckDBPyConnection, load_id: int, cleaner: ContactCleaner,
                  landing: Path) -> ContactLoadStats:
    """Clean the receiver of every order version of `load_id` (read from its files under `landing`);
    quarantine those that cannot be used."""
    stats = ContactLoadStats(receivers=_extract(con, load_id, landing))
    if stats.receivers >= PARALLEL_FROM_ROWS:
        context = multiprocessing.get_context("spawn")  # no fork of a process holding a DuckDB connection
        with lowered_memory_limit(con, WORKERS_MEMORY_LIMIT), \
                ProcessPoolExecutor(2, mp_context=context, initializer=_init_worker,
                                    initargs=(cleaner.cipher.key,)) as pool:
            # map() submits every chunk at once: read them lazily, a few ahead, to bound memory
            pending = []
            for rows in _chunks(con, stats.receivers):
                pending.append(pool.submit(_clean_chunk, rows))
                if len(pending) >= 3:
                    _store_receivers(con, pending.pop(0).result())
            for future in pending:
                _store_receivers(con, future.result())
    else:
        for rows in _chunks(con, stats.receivers):
            _store_receivers(con, _clean_chunk(rows, cleaner))
    _quarantine_versions(con, load_id, stats)
    con.execute("drop table receiver_fields")
    return stats


def _store_receivers(con: duckdb.DuckDBPyConnection, rows) -> None:  # noqa: ANN001 - a pyarrow Table
    con.register("cleaned_chunk", rows)
    try:
        con.execute("insert into landing.receivers by name select * from cleaned_chunk")
    finally:
        con.unregister("cleaned_chunk")


def _quarantine_versions(con: duckdb.DuckDBPyConnection, load_id: int, stats: ContactLoadStats) -> None:
    """A version whose receiver cannot be used (undecryptable, unencrypted, none) goes to the quarantine with
    the reason and its landing row, whether the receiver was cleaned now or by an earlier load."""
    for reason, count in con.execute(
        """select r.quarantine_reason, count(*) from landing.order_receivers as v
           join landing.receivers as r using (receiver_id) where v.load_id = ? group by all""", [load_id]
    ).fetchall():
        if reason is None:
            stats.cleaned += count
        else:
            stats.quarantined[reason.split(":")[0]] += count
    con.execute("""insert into landing.quarantine
                   select 'orders', v.platform, v.shop_key, v.order_id, v.record_modified, v.landing_file,
                          v.file_row, r.quarantine_reason, null, v.load_id
                   from landing.order_receivers as v join landing.receivers as r using (receiver_id)
                   where v.load_id = ? and r.quarantine_reason is not null""", [load_id])
