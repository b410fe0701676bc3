"""The Lambda authorizer's deployable package, built from uv.lock: provider-free, deterministic, cached.

What goes in (docs/platforms.md, "Packaging the authorizer"):

1. The ``authorizer`` dependency group of uv.lock, exported with its hashes
   (``uv export --locked --only-group authorizer --no-emit-project``) and installed for the Lambda
   platform, wheels only: ``uv pip install --target DIR --python-platform <arch>-manylinux2014
   --python-version <runtime> --only-binary :all: --require-hashes --no-deps --no-compile``. The
   Lambda Python runtime does not ship ``cryptography``; its compiled wheels must match the
   runtime's platform, which is why the install names the platform instead of using this machine's
   (AWS Lambda, "Working with .zip file archives for Python Lambda functions"; uv's
   ``--python-platform`` is its equivalent of pip's ``--platform``/``--implementation``/``--python-version``).
   Left out: what the runtime never loads (``_DROP_DISTRIBUTIONS``, type stubs) and the install's
   machine-specific files.
2. The function code: every ``authorizer/*.py`` of this project.
3. ``authorizer/routes.json``: route key -> roles, the map the function enforces.

Pulumi gets a **directory**, not a zip: ``.cache/authorizer/trees/<content digest>/`` holding
exactly those members. For a ``FileArchive`` whose path ends in ``.zip`` Pulumi hashes the file's
raw bytes (pulumi/pulumi ``sdk/go/common/resource/archive/archive.go``, ``EnsureHashWithWD`` via
``ReadSourceArchiveWithWD``), and deflate output differs between zlib builds (zlib against
zlib-ng: Fedora, Windows CPython 3.14), so a zip built elsewhere showed ``~ code`` on every
unchanged preview. For a directory Pulumi hashes a tar stream it writes itself: every regular file
in ``filepath.Walk`` order (directories, empty or not, are no entries; ``.pulumi`` is skipped),
each with its slash-separated relative name, its size, mode fixed at 0600 and no time or owner
(``readPath``, ``addNextFileToTar``). Names and contents only: no zlib, no mtimes, no permissions.
The zip Lambda receives is then Pulumi's too (``archiveZIP``: Go's ``archive/zip``, deflate at
Go's level 5, every time 1990-01-01), made by the provider from the directory.

The install is the slow part, so it is cached under ``<project>/.cache/authorizer/<key>``, keyed by
the exported requirements (hashes included) and the target; trees are cached by content. A tree
found altered (a stray ``__pycache__``, an edit) is rebuilt.

The program calls ``build_authorizer_package`` with plain values while declaring resources (never
inside ``.apply``: preview must see the archive) and hands the tree to ``pulumi.FileArchive``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
DEPENDENCY_GROUP: Final = "authorizer"
FUNCTION_PACKAGE: Final = "authorizer"
ROUTES_MEMBER: Final = f"{FUNCTION_PACKAGE}/routes.json"
HANDLER: Final = f"{FUNCTION_PACKAGE}.handler.handler"
FILE_MODE: Final = 0o644
DIR_MODE: Final = 0o755
RUNTIMES: Final = ("python3.11", "python3.12", "python3.13")
ARCHITECTURES: Final = {"x86_64": "x86_64", "arm64": "aarch64"}
"""Lambda's architecture names -> the manylinux machine names wheels are tagged with."""

# Parts of a --target install that are the building machine's, not the package's.
_DROP_DIRS: Final = frozenset({"bin", "__pycache__"})
_DROP_DIST_INFO: Final = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
_DROP_DISTRIBUTIONS: Final = frozenset({"pycparser"})
"""Installed by the lock (cffi requires it) but never loaded by the function: cffi imports its
parser only when an ``FFI()`` is made (``cffi/api.py``, ``from . import cparser`` in
``FFI.__init__``), to parse C declarations when bindings are built. cryptography's bindings come
compiled: its Rust extension imports ``_cffi_backend`` alone, and nothing imports ``cffi``. The
import audit in tests/authorizer/test_lambda_package.py runs the package's handler and lists every
module loaded from it; the scenario tests run the package without pycparser."""
_DROP_SUFFIXES: Final = (".pyc", ".pyi")
"""Bytecode (machine-made; Lambda's ``/var/task`` is read-only, so the runtime compiles sources
anyway) and type stubs, which only type checkers read."""


class PackageBuildError(Exception):
    """The package could not be built; the message names the step and what the tool said."""


@dataclass(frozen=True)
class LambdaTarget:
    """The Lambda runtime and architecture the package's wheels are installed for."""

    runtime: str
    """A Lambda runtime identifier, ``python3.11`` to ``python3.13``."""
    architecture: str
    """Lambda's name: ``x86_64`` or ``arm64``."""

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIMES:
            raise ValueError(f"runtime {self.runtime!r}: expected one of {', '.join(RUNTIMES)}")
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture {self.architecture!r}: expected one of {', '.join(ARCHITECTURES)}")

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def python_platform(self) -> str:
        return f"{ARCHITECTURES[self.architecture]}-manylinux2014"


DEPLOY_TARGET: Final = LambdaTarget("python3.13", "x86_64")
"""What the function runs on. python3.13: of the three, the runtime with the longest runway
(Amazon Linux 2023; deprecation projected for 2029-06-30), where python3.11 runs on Amazon Linux 2,
past its end of support since 2026-06-30, with deprecation projected for 2027-06-30 (AWS "Lambda
runtimes", docs/platforms.md "Packaging"). x86_64: the tests' machine is x86_64, so the tree the
tests run differs from this one only in cffi's compiled module (cryptography's wheel is the same
``cp311-abi3`` file for both; see TEST_TARGET); on arm64 every compiled file would differ. Arm's
lower price per GB-second matters little for a function that answers in well under a millisecond
behind a result cache."""

TEST_TARGET: Final = LambdaTarget("python3.11", "x86_64")
"""The twin the tests unpack and run: the same lock, code and builder, installed for the only
interpreter this project's machines have (CPython 3.11 on x86_64). cffi's ``_cffi_backend`` is built
per Python version (cp313 does not load under 3.11) and cryptography imports it, so the deployed
tree itself cannot run here; a test proves the two trees differ in nothing else."""


def uv_command() -> list[str]:
    """How to run uv: the binary that runs us (uv run sets ``UV``), the one on PATH, or ``python -m uv``."""
    for candidate in (os.environ.get("UV"), shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return [candidate]
    return [sys.executable, "-m", "uv"]


def _run(step: str, args: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)  # noqa: S603 (fixed argv)
    except OSError as e:
        raise PackageBuildError(f"{step}: could not run {args[0]}: {e}") from None
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-12:])
        raise PackageBuildError(f"{step} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def export_requirements(project_root: Path = PROJECT_ROOT) -> str:
    """The authorizer group of uv.lock as a hash-pinned requirements file (uv.lock must be current)."""
    return _run(
        f"uv export --only-group {DEPENDENCY_GROUP}",
        [
            *uv_command(),
            "export",
            "--locked",
            "--only-group",
            DEPENDENCY_GROUP,
            "--no-emit-project",
            "--no-header",
            "--format",
            "requirements.txt",
            "--quiet",
        ],
        project_root,
    )


def cache_key(requirements: str, target: LambdaTarget) -> str:
    payload = json.dumps(
        {"requirements": requirements, "runtime": target.runtime, "architecture": target.architecture, "v": 1},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:32]


def install_dependencies(
    requirements: str, target: LambdaTarget, cache_dir: Path, project_root: Path = PROJECT_ROOT
) -> Path:
    """The directory holding the group's wheels installed for ``target``; installs on a cache miss."""
    site = cache_dir / cache_key(requirements, target)
    if (site / ".complete").is_file():
        return site
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".build-") as tmp:
        requirements_file = Path(tmp) / "requirements.txt"
        requirements_file.write_text(requirements, encoding="utf-8")
        staging = Path(tmp) / "site"
        _run(
            f"uv pip install for {target.runtime}/{target.architecture}",
            [
                *uv_command(),
                "pip",
                "install",
                "--quiet",
                "--target",
                str(staging),
                "--python-platform",
                target.python_platform,
                "--python-version",
                target.python_version,
                "--only-binary",
                ":all:",
                "--require-hashes",
                "--no-deps",
                "--no-compile",
                "-r",
                str(requirements_file),
            ],
            project_root,
        )
        (staging / ".complete").write_text(requirements, encoding="utf-8")
        try:
            staging.rename(site)
        except OSError:
            if not (site / ".complete").is_file():  # not another build that got there first
                raise
    return site


def _dropped_distribution_files(site: Path) -> set[str]:
    """Every file a distribution of ``_DROP_DISTRIBUTIONS`` installed, from its RECORD."""
    dropped: set[str] = set()
    for record in site.glob("*.dist-info/RECORD"):
        name = record.parent.name.split("-")[0].lower().replace("_", "-")
        if name in _DROP_DISTRIBUTIONS:
            for line in record.read_text(encoding="utf-8").splitlines():
                if line:
                    dropped.add(line.split(",")[0])
            dropped.add(f"{record.parent.name}/RECORD")
    return dropped


def _dependency_files(site: Path) -> Iterator[tuple[str, Path]]:
    dropped = _dropped_distribution_files(site)
    for path in site.rglob("*"):
        rel = path.relative_to(site)
        parts = rel.parts
        # Top-level dotfiles are the installer's (uv's .lock) or ours (.complete).
        if parts[0] in _DROP_DIRS or parts[0].startswith(".") or "__pycache__" in parts:
            continue
        if path.suffix in _DROP_SUFFIXES or rel.as_posix() in dropped:
            continue
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] in _DROP_DIST_INFO:
            continue
        if path.is_file():
            yield rel.as_posix(), path


def routes_json(routes: Mapping[str, Sequence[str]]) -> bytes:
    """The route map as the function reads it: keys sorted, each route's roles in config order, deduplicated."""
    table = {key: list(dict.fromkeys(roles)) for key, roles in routes.items()}
    return (json.dumps(table, sort_keys=True, indent=1) + "\n").encode()


def package_members(
    site: Path, routes: Mapping[str, Sequence[str]], project_root: Path = PROJECT_ROOT
) -> dict[str, bytes]:
    """Member name -> content: the installed dependencies, the function code and the route map."""
    members = {name: path.read_bytes() for name, path in _dependency_files(site)}
    clash = sorted(n for n in members if n.split("/")[0] == FUNCTION_PACKAGE)
    if clash:
        raise PackageBuildError(f"a dependency installs into {FUNCTION_PACKAGE}/: {clash[:3]}")
    code = sorted((project_root / FUNCTION_PACKAGE).glob("*.py"))
    if not code:
        raise PackageBuildError(f"no {FUNCTION_PACKAGE}/*.py under {project_root}")
    for path in code:
        members[f"{FUNCTION_PACKAGE}/{path.name}"] = path.read_bytes()
    members[ROUTES_MEMBER] = routes_json(routes)
    return members


def content_digest(members: Mapping[str, bytes]) -> str:
    """A digest of names and contents: equal digests, equal trees, equal archive hashes in Pulumi."""
    content = hashlib.sha256()
    for name in sorted(members):
        content.update(f"{name}\0{hashlib.sha256(members[name]).hexdigest()}\n".encode())
    return content.hexdigest()


def read_tree(tree: Path) -> dict[str, bytes]:
    """Member name -> content of every regular file under ``tree`` (what Pulumi archives)."""
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in tree.rglob("*") if p.is_file()}


def write_tree(members: Mapping[str, bytes], trees_dir: Path) -> Path:
    """``trees_dir/<digest>``, holding exactly ``members``: reused when intact, else written anew."""
    for name in members:
        parts = name.split("/")
        if not name or name.startswith("/") or any(p in ("", ".", "..", ".pulumi") for p in parts):
            # Pulumi skips anything named .pulumi (archive.go, BookkeepingDir): it would not deploy.
            raise PackageBuildError(f"member name {name!r} cannot be a file of the package tree")
    tree = trees_dir / content_digest(members)[:32]
    if tree.is_dir():
        if read_tree(tree) == dict(members):
            return tree
        shutil.rmtree(tree)
    trees_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=trees_dir, prefix=".build-") as tmp:
        staging = Path(tmp) / "tree"
        staging.mkdir(mode=DIR_MODE)
        for name in sorted(members):
            path = staging.joinpath(*name.split("/"))
            path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            path.write_bytes(members[name])
            path.chmod(FILE_MODE)  # world-readable, as Lambda needs; Pulumi's hash ignores modes
        try:
            staging.rename(tree)
        except OSError:
            if not tree.is_dir():  # not another build that got there first
                raise
    return tree


@dataclass(frozen=True)
class BuiltPackage:
    tree: Path
    """The package directory, content-addressed under the cache: hand it to ``pulumi.FileArchive``."""
    digest: str
    """``content_digest`` of its members."""
    target: LambdaTarget
    site: Path
    """The cached install the package's dependencies came from."""
    handler: str = HANDLER


def build_authorizer_package(
    routes: Mapping[str, Sequence[str]],
    *,
    target: LambdaTarget = DEPLOY_TARGET,
    project_root: Path = PROJECT_ROOT,
    cache_dir: Path | None = None,
) -> BuiltPackage:
    """Build (or find) the deployable tree for ``routes`` (route key -> roles, any one of which opens it)."""
    if not routes:
        raise PackageBuildError("no protected routes: the authorizer would refuse everything")
    cache = cache_dir or project_root / ".cache" / FUNCTION_PACKAGE
    site = install_dependencies(export_requirements(project_root), target, cache, project_root)
    members = package_members(site, routes, project_root)
    tree = write_tree(members, cache / "trees")
    return BuiltPackage(tree, content_digest(members), target, site)
