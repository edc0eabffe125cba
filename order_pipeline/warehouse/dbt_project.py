"""The dbt project (`dbt_models/`) as Dagster sees it: one cached `DbtProject`, its manifest kept fresh.

Wherever the code location loads (`dagster dev`, tests, `make demo`, a deployment) the manifest is parsed
when it is missing or older than any file of the project, so a changed model is never run from a stale
manifest. dagster-dbt's own `prepare_if_dev` is not used: it needs a `dbt` on PATH, which an unactivated venv
does not give.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from dagster_dbt import DbtProject

from order_pipeline.shops import PROJECT_ROOT
from order_pipeline.warehouse.resources import WAREHOUSE_PATH_ENV

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_models"

warehouse_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(root: Path) -> float:
    patterns = ("models/**/*.sql", "models/**/*.yml", "macros/**/*.sql", "seeds/**/*", "tests/**/*.sql",
                "dbt_project.yml", "profiles.yml")
    return max((p.stat().st_mtime for pattern in patterns for p in root.glob(pattern) if p.is_file()), default=0)


def ensure_manifest(project: DbtProject = warehouse_dbt_project) -> Path:
    manifest = project.manifest_path
    if _fresh(manifest, project):
        return manifest
    # Several processes may load the code location at once (test workers, `dagster dev`'s daemon and webserver):
    # one parses, the others wait and then find the manifest fresh, so none reads a half-written one.
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.parent / ".manifest.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _fresh(manifest, project):
            _parse(project, manifest)
    return manifest


def _fresh(manifest: Path, project: DbtProject) -> bool:
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project.project_dir)


def _parse(project: DbtProject, manifest: Path) -> None:
    # Parsing needs a warehouse path in the profile, not a database: any path will do. dbt's own runner, not
    # the `dbt` on PATH: a venv used without activation has none.
    from dbt.cli.main import dbtRunner

    os.environ.setdefault(WAREHOUSE_PATH_ENV, str(PROJECT_ROOT / "data" / "warehouse.duckdb"))
    result = dbtRunner().invoke(["parse", "--quiet", "--project-dir", str(project.project_dir),
                                 "--profiles-dir", str(project.profiles_dir),
                                 "--target-path", str(manifest.parent)])
    if not result.success or not manifest.exists():
        raise RuntimeError(f"dbt parse of {project.project_dir} failed: {result.exception}")


ensure_manifest()
