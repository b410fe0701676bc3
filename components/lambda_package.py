"""The Lambda authorizer's deployable zip, built from uv.lock: provider-free, deterministic, cached.

What goes in (docs/platforms.md, "Packaging the authorizer"):

1. The ``authorizer`` dependency group of uv.lock, exported with its hashes
   (``uv export --locked --only-group authorizer --no-emit-project``) and installed for the Lambda
   platform, wheels only: ``uv pip install --target DIR --python-platform <arch>-manylinux2014
   --python-version <runtime> --only-binary :all: --require-hashes --no-deps --no-compile``. The
   Lambda Python runtime does not ship ``cryptography``; its compiled wheels must match the
   runtime's platform, which is why the install names the platform instead of using this machine's
   (AWS Lambda, "Working with .zip file archives for Python Lambda functions"; uv's
   ``--python-platform`` is its equivalent of pip's ``--platform``/``--implementation``/``--python-version``).
2. The function code: every ``authorizer/*.py`` of this project.
3. ``authorizer/routes.json``: route key -> roles, the map the function enforces.

Byte for byte deterministic, so an unchanged program never shows a code diff in ``pulumi preview``:
entries sorted by name, every timestamp 1980-01-01 00:00:00, permissions 0644 for files and 0755
for directories, no ``.pyc`` (``--no-compile``), and none of the install's machine-specific files
(``bin/`` scripts carry the building interpreter's path in their shebang; ``RECORD`` lists their
hashes; ``INSTALLER``/``REQUESTED``/``direct_url.json`` name the tool). Deflate output depends on
the zlib in use: the same machine image gives the same bytes.

The install is the slow part, so it is cached under ``<project>/.cache/authorizer/<key>``, keyed by
the exported requirements (hashes included) and the target: a repeat build only zips.

The program calls ``build_authorizer_zip`` with plain values while declaring resources (never inside
``.apply``: preview must see the archive) and hands the path to ``pulumi.FileArchive``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

PROJECT_ROOT: Final = Path(__file__).resolve().parent.parent
DEPENDENCY_GROUP: Final = "authorizer"
FUNCTION_PACKAGE: Final = "authorizer"
ROUTES_MEMBER: Final = f"{FUNCTION_PACKAGE}/routes.json"
HANDLER: Final = f"{FUNCTION_PACKAGE}.handler.handler"
ZIP_EPOCH: Final = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
COMPRESS_LEVEL: Final = 6
"""zlib's default. Level 9 saves about 30 KB (0.6%) of a ~5 MB zip and takes 4-5x as long on
cryptography's 14 MB extension module (3.5 s against 0.8 s here)."""
FILE_MODE: Final = 0o644
DIR_MODE: Final = 0o755
RUNTIMES: Final = ("python3.11", "python3.12", "python3.13")
ARCHITECTURES: Final = {"x86_64": "x86_64", "arm64": "aarch64"}
"""Lambda's architecture names -> the manylinux machine names wheels are tagged with."""

# Parts of a --target install that are the building machine's, not the package's.
_DROP_DIRS: Final = frozenset({"bin", "__pycache__"})
_DROP_DIST_INFO: Final = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})


class PackageBuildError(Exception):
    """The zip could not be built; the message names the step and what the tool said."""


@dataclass(frozen=True)
class LambdaTarget:
    """The Lambda runtime and architecture the zip's wheels are installed for."""

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
runtimes", docs/platforms.md "Packaging"). x86_64: the tests' machine is x86_64, so the zip the
tests run differs from this one only in cffi's compiled module (cryptography's wheel is the same
``cp311-abi3`` file for both; see TEST_TARGET); on arm64 every compiled file would differ. Arm's
lower price per GB-second matters little for a function that answers in well under a millisecond
behind a result cache."""

TEST_TARGET: Final = LambdaTarget("python3.11", "x86_64")
"""The twin the tests unpack and run: the same lock, code and builder, installed for the only
interpreter this project's machines have (CPython 3.11 on x86_64). cffi's ``_cffi_backend`` is built
per Python version (cp313 does not load under 3.11) and cryptography imports it, so the deployed
zip itself cannot run here; a test proves the two zips differ in nothing else."""


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


def _dependency_files(site: Path) -> Iterator[tuple[str, Path]]:
    for path in site.rglob("*"):
        rel = path.relative_to(site)
        parts = rel.parts
        # Top-level dotfiles are the installer's (uv's .lock) or ours (.complete).
        if parts[0] in _DROP_DIRS or parts[0].startswith(".") or "__pycache__" in parts or path.suffix == ".pyc":
            continue
        if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] in _DROP_DIST_INFO:
            continue
        if path.is_file():
            yield rel.as_posix(), path


def routes_json(routes: Mapping[str, Sequence[str]]) -> bytes:
    """The route map as the function reads it: keys sorted, each route's roles in config order, deduplicated."""
    table = {key: list(dict.fromkeys(roles)) for key, roles in routes.items()}
    return (json.dumps(table, sort_keys=True, indent=1) + "\n").encode()


def zip_members(site: Path, routes: Mapping[str, Sequence[str]], project_root: Path = PROJECT_ROOT) -> dict[str, bytes]:
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


def deterministic_zip(members: Mapping[str, bytes]) -> bytes:
    """A zip of ``members`` whose bytes depend only on names and contents (and zlib)."""
    directories = {"/".join(name.split("/")[:i]) + "/" for name in members for i in range(1, name.count("/") + 1)}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(directories | set(members)):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.create_system = 3  # Unix, so unzip (and Lambda) apply external_attr's permissions
            if name.endswith("/"):
                info.external_attr = (stat.S_IFDIR | DIR_MODE) << 16 | 0x10  # 0x10: MS-DOS directory bit
                archive.writestr(info, b"")
            else:
                info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, members[name], compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def content_digest(members: Mapping[str, bytes]) -> str:
    """A digest of names and contents: equal digests, equal zips (``deterministic_zip`` is a function of them)."""
    content = hashlib.sha256()
    for name in sorted(members):
        content.update(f"{name}\0{hashlib.sha256(members[name]).hexdigest()}\n".encode())
    return content.hexdigest()


@dataclass(frozen=True)
class BuiltPackage:
    path: Path
    """The zip, content-addressed under the cache directory: hand it to ``pulumi.FileArchive``."""
    sha256: str
    size: int
    target: LambdaTarget
    site: Path
    """The cached install the zip's dependencies came from."""
    handler: str = HANDLER


def build_authorizer_zip(
    routes: Mapping[str, Sequence[str]],
    *,
    target: LambdaTarget = DEPLOY_TARGET,
    project_root: Path = PROJECT_ROOT,
    cache_dir: Path | None = None,
) -> BuiltPackage:
    """Build (or find) the deployable zip for ``routes`` (route key -> roles, any one of which opens it)."""
    if not routes:
        raise PackageBuildError("no protected routes: the authorizer would refuse everything")
    cache = cache_dir or project_root / ".cache" / FUNCTION_PACKAGE
    site = install_dependencies(export_requirements(project_root), target, cache, project_root)
    members = zip_members(site, routes, project_root)
    # Compressing ~16 MB of wheels is the one slow step left: zips are cached by what they hold.
    digest = content_digest(members)
    path = cache / "zips" / f"{FUNCTION_PACKAGE}-{target.runtime}-{target.architecture}-{digest[:24]}.zip"
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(deterministic_zip(members))
        partial.replace(path)
    data = path.read_bytes()
    return BuiltPackage(path, hashlib.sha256(data).hexdigest(), len(data), target, site)
