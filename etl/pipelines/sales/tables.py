"""The open-table-format side of the sales lakehouse: Delta Lake or Iceberg.

DuckDB computes what every table must hold and which rows change; this
module only reads tables back as Arrow and applies a change set (insert,
update, delete by key) in one commit per table, then keeps the files tidy
(compaction, Z-order for Delta, vacuum / snapshot expiry). Both formats offer
the same small interface so the pipeline does not care which one it writes.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlparse

from etl.core.errors import EtlError

if TYPE_CHECKING:
    import pyarrow as pa

FORMATS = ("delta", "iceberg")
# Files no longer referenced are kept this long, so that readers still on the
# previous version and time travel within a week keep working.
RETENTION = dt.timedelta(hours=168)
CHANGE = "_change"


@dataclass(frozen=True)
class TableSpec:
    """One managed table: where it lives, its key and how its files are laid out."""

    layer: str
    name: str
    keys: tuple[str, ...]
    partition_by: str | None = None
    z_order: tuple[str, ...] = ()

    @property
    def sql_name(self) -> str:
        """The DuckDB temp table the SQL builds for it, e.g. `gold_fact_sales`."""
        return f"{self.layer}_{self.name}"

    @property
    def label(self) -> str:
        return f"{self.layer}.{self.name}"


TABLES: tuple[TableSpec, ...] = (
    TableSpec("bronze", "sales", ("record_id",)),
    TableSpec("bronze", "customers", ("record_id",)),
    TableSpec("silver", "customers", ("customer_id",)),
    TableSpec("silver", "sales", ("invoice_no",)),
    TableSpec("silver", "quarantine", ("record_id",)),
    TableSpec("gold", "dim_customer", ("customer_id",)),
    TableSpec("gold", "fact_sales", ("invoice_no",), partition_by="invoice_month", z_order=("customer_id",)),
    TableSpec("gold", "sales_by_segment", ("gender", "age_band")),
)


class TableStore(Protocol):
    def read(self, spec: TableSpec, version: int | None = None) -> pa.Table | None: ...
    def version(self, spec: TableSpec) -> int | None: ...
    def create(self, spec: TableSpec, rows: pa.Table) -> None: ...
    def apply(self, spec: TableSpec, changes: pa.Table) -> None: ...
    def maintain(self, spec: TableSpec, touched_partitions: list[str]) -> dict[str, Any]: ...
    def files(self, spec: TableSpec) -> list[tuple[str, int]]: ...


def open_store(output: Path, table_format: str) -> TableStore:
    if table_format == "delta":
        return DeltaStore(output / "delta")
    if table_format == "iceberg":
        return IcebergStore(output / "iceberg")
    raise EtlError(f"unknown table format {table_format!r}: use one of {', '.join(FORMATS)}")


def _changes_of(changes: pa.Table, kinds: tuple[str, ...]) -> pa.Table:
    import pyarrow as pa
    import pyarrow.compute as pc

    return changes.filter(pc.is_in(changes[CHANGE], value_set=pa.array(list(kinds))))


def _upsert_rows(changes: pa.Table) -> pa.Table:
    return _changes_of(changes, ("insert", "update")).drop_columns([CHANGE])


def _replaced_keys(changes: pa.Table, keys: tuple[str, ...]) -> pa.Table:
    return _changes_of(changes, ("update", "delete")).select(list(keys))


class DeltaStore:
    """Delta tables under `<output>/delta/<layer>/<name>`, written with deltalake."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, spec: TableSpec) -> Path:
        return self.root / spec.layer / spec.name

    def _table(self, spec: TableSpec, version: int | None = None):
        from deltalake import DeltaTable

        path = self.path(spec)
        if not DeltaTable.is_deltatable(str(path)):
            return None
        return DeltaTable(str(path), version=version)

    def read(self, spec: TableSpec, version: int | None = None) -> pa.Table | None:
        table = self._table(spec, version)
        return None if table is None else table.to_pyarrow_table()

    def version(self, spec: TableSpec) -> int | None:
        table = self._table(spec)
        return None if table is None else table.version()

    def create(self, spec: TableSpec, rows: pa.Table) -> None:
        from deltalake import write_deltalake

        partition_by = [spec.partition_by] if spec.partition_by else None
        write_deltalake(str(self.path(spec)), rows, mode="error", partition_by=partition_by, name=spec.label)

    def apply(self, spec: TableSpec, changes: pa.Table) -> None:
        """One MERGE: delete, update and insert by key in a single commit."""
        on = " and ".join(f"t.{k} = s.{k}" for k in spec.keys)
        (
            self._table(spec)
            .merge(changes, on, source_alias="s", target_alias="t")
            .when_matched_delete(f"s.{CHANGE} = 'delete'")
            .when_matched_update_all(f"s.{CHANGE} = 'update'", except_cols=[CHANGE])
            .when_not_matched_insert_all(f"s.{CHANGE} = 'insert'", except_cols=[CHANGE])
            .execute()
        )

    def files(self, spec: TableSpec) -> list[tuple[str, int]]:
        """The current version's data files (relative to the lakehouse folder) and their rows."""
        table = self._table(spec)
        if table is None:
            return []
        import pyarrow as pa

        actions = pa.table(table.get_add_actions(flatten=True)).select(["path", "num_records"]).to_pylist()
        folder = self.path(spec).relative_to(self.root.parent).as_posix()
        return sorted((f"{folder}/{a['path']}", int(a["num_records"])) for a in actions)

    def maintain(self, spec: TableSpec, touched_partitions: list[str]) -> dict[str, Any]:
        """Compact small files, Z-order the partitions this load touched, vacuum."""
        table = self._table(spec)
        done: dict[str, Any] = {}
        compacted = table.optimize.compact()
        done["compacted_files"] = compacted["numFilesRemoved"]
        if spec.z_order and touched_partitions:
            filters = [(spec.partition_by, "in", touched_partitions)] if spec.partition_by else None
            ordered = table.optimize.z_order(list(spec.z_order), partition_filters=filters)
            done["z_ordered_files"] = ordered["numFilesAdded"]
        removed = table.vacuum(
            retention_hours=int(RETENTION.total_seconds() // 3600),
            dry_run=False,
            enforce_retention_duration=True,
        )
        done["vacuumed_files"] = len(removed)
        return done


class IcebergStore:
    """Iceberg tables `<layer>.<name>` in a SQLite catalog kept at
    `<output>/iceberg/catalog.db`, data under `<output>/iceberg/warehouse`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._catalog = None

    @property
    def catalog(self):
        if self._catalog is None:
            from pyiceberg.catalog.sql import SqlCatalog

            self.root.mkdir(parents=True, exist_ok=True)
            warehouse = self.root / "warehouse"
            warehouse.mkdir(exist_ok=True)
            self._catalog = SqlCatalog(
                "sales",
                uri=f"sqlite:///{(self.root / 'catalog.db').resolve()}",
                warehouse=warehouse.resolve().as_uri(),
            )
        return self._catalog

    def _table(self, spec: TableSpec):
        from pyiceberg.exceptions import NoSuchTableError

        try:
            return self.catalog.load_table(spec.label)
        except NoSuchTableError:
            return None

    def read(self, spec: TableSpec, version: int | None = None) -> pa.Table | None:
        table = self._table(spec)
        if table is None:
            return None
        return table.scan(snapshot_id=version).to_arrow()

    def version(self, spec: TableSpec) -> int | None:
        """The current snapshot id (Iceberg's version)."""
        table = self._table(spec)
        snapshot = None if table is None else table.current_snapshot()
        return None if snapshot is None else snapshot.snapshot_id

    def create(self, spec: TableSpec, rows: pa.Table) -> None:
        self.catalog.create_namespace_if_not_exists(spec.layer)
        table = self.catalog.create_table(spec.label, schema=rows.schema)
        with table.transaction() as tx:
            if spec.partition_by:
                with tx.update_spec() as update:
                    update.add_identity(spec.partition_by)
            tx.append(rows)

    def apply(self, spec: TableSpec, changes: pa.Table) -> None:
        """Delete the replaced keys and append the new rows in one transaction."""
        table = self._table(spec)
        replaced = _replaced_keys(changes, spec.keys)
        upserts = _upsert_rows(changes)
        with table.transaction() as tx:
            if replaced.num_rows:
                tx.delete(_key_filter(replaced))
            if upserts.num_rows:
                tx.append(upserts)

    def files(self, spec: TableSpec) -> list[tuple[str, int]]:
        """The current snapshot's data files (relative to the lakehouse folder) and their rows."""
        table = self._table(spec)
        if table is None or table.current_snapshot() is None:
            return []
        rows = table.inspect.files().select(["file_path", "record_count"]).to_pylist()
        base = self.root.parent.resolve()
        return sorted(
            (Path(unquote(urlparse(r["file_path"]).path)).relative_to(base).as_posix(), int(r["record_count"]))
            for r in rows
        )

    def maintain(self, spec: TableSpec, touched_partitions: list[str]) -> dict[str, Any]:
        """Rewrite each partition holding more than one data file as one file
        (pyiceberg 0.12 has no rewrite action), then expire old snapshots."""
        from pyiceberg.expressions import AlwaysTrue, EqualTo

        table = self._table(spec)
        files = table.inspect.files().select(["partition", "file_path"]).to_pylist()
        per_partition: dict[str | None, int] = {}
        for row in files:
            value = row["partition"].get(spec.partition_by) if spec.partition_by else None
            per_partition[value] = per_partition.get(value, 0) + 1
        crowded = [value for value, count in per_partition.items() if count > 1]
        for value in crowded:
            where = EqualTo(spec.partition_by, value) if spec.partition_by else AlwaysTrue()
            rows = table.scan(row_filter=where).to_arrow()
            with table.transaction() as tx:
                tx.overwrite(rows, overwrite_filter=where)
            table = self._table(spec)
        cutoff = dt.datetime.now(dt.UTC) - RETENTION
        old = [
            s.snapshot_id
            for s in table.snapshots()
            if s.timestamp_ms < cutoff.timestamp() * 1000 and s.snapshot_id != table.current_snapshot().snapshot_id
        ]
        if old:
            table.maintenance.expire_snapshots().by_ids(old).commit()
        return {"compacted_partitions": len(crowded), "expired_snapshots": len(old)}


def _key_filter(keys: pa.Table):
    """An Iceberg row filter matching exactly these key rows."""
    from pyiceberg.expressions import And, EqualTo, In, Or

    names = keys.column_names
    if len(names) == 1:
        return In(names[0], keys.column(0).to_pylist())
    matches = [functools.reduce(And, [EqualTo(n, row[n]) for n in names]) for row in keys.to_pylist()]
    return matches[0] if len(matches) == 1 else functools.reduce(Or, matches)
