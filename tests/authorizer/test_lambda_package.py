"""The deployable zip: what it holds, that it is byte-for-byte reproducible, and that the zip the
tests run is the deployed one but for cffi's per-Python compiled module."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from components.lambda_package import (
    DEPLOY_TARGET,
    HANDLER,
    ROUTES_MEMBER,
    TEST_TARGET,
    BuiltPackage,
    LambdaTarget,
    PackageBuildError,
    build_authorizer_zip,
    content_digest,
    deterministic_zip,
    zip_members,
)
from tests.support.authorizer_zip import ROUTES, ZipFunction


def names(package: BuiltPackage) -> list[str]:
    with zipfile.ZipFile(package.path) as archive:
        return archive.namelist()


def test_zip_holds_the_function_the_route_map_and_the_locked_wheels(deploy_zip: BuiltPackage) -> None:
    members = names(deploy_zip)
    assert HANDLER == "authorizer.handler.handler"
    assert {"authorizer/__init__.py", "authorizer/handler.py", "authorizer/keys.py", "authorizer/tokens.py"} <= set(
        members
    )
    with zipfile.ZipFile(deploy_zip.path) as archive:
        assert json.loads(archive.read(ROUTES_MEMBER)) == ROUTES
        wheels = {n.split("-")[0] for n in members if n.endswith(".dist-info/METADATA")}
        cryptography_wheel = archive.read(
            next(n for n in members if n.startswith("cryptography-") and n.endswith("/WHEEL"))
        )
    assert wheels == {"cffi", "cryptography", "pycparser", "pyjwt"}
    assert b"manylinux2014_x86_64" in cryptography_wheel
    assert "_cffi_backend.cpython-313-x86_64-linux-gnu.so" in members, "cffi built for the python3.13 runtime"
    assert not [n for n in members if n.endswith(".pyc") or "__pycache__" in n or n.startswith("bin/")]
    assert not [n for n in members if n.endswith(("/RECORD", "/INSTALLER", "/direct_url.json"))]


def test_entries_are_sorted_with_fixed_times_and_permissions(deploy_zip: BuiltPackage) -> None:
    with zipfile.ZipFile(deploy_zip.path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {i.filename: i.external_attr >> 16 for i in infos}
    assert {stat.S_IMODE(m) for n, m in modes.items() if n.endswith("/")} == {0o755}
    assert {stat.S_IMODE(m) for n, m in modes.items() if not n.endswith("/")} == {0o644}


def test_members_depend_on_contents_not_on_file_times_permissions_or_order(
    deploy_zip: BuiltPackage, tmp_path: Path
) -> None:
    copy = tmp_path / "site"
    shutil.copytree(deploy_zip.site, copy)
    for path in copy.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
        if path.is_file():
            path.chmod(0o600)
    members = zip_members(copy, dict(reversed(list(ROUTES.items()))))
    with zipfile.ZipFile(deploy_zip.path) as archive:
        deployed = {i.filename: archive.read(i) for i in archive.infolist() if not i.filename.endswith("/")}
    assert members == deployed
    assert deploy_zip.path.name.endswith(f"-{content_digest(members)[:24]}.zip")


def test_the_zip_is_a_function_of_names_and_contents() -> None:
    members = {"b/c.py": b"c = 1\n", "a.py": b"a = 1\n", "b/d/e.txt": b"e"}
    once = deterministic_zip(members)
    assert deterministic_zip(dict(reversed(list(members.items())))) == once
    assert deterministic_zip({**members, "a.py": b"a = 2\n"}) != once
    with zipfile.ZipFile(io.BytesIO(once)) as archive:
        assert archive.namelist() == ["a.py", "b/", "b/c.py", "b/d/", "b/d/e.txt"]


def test_a_changed_route_map_changes_the_content_and_so_the_zip(deploy_zip: BuiltPackage) -> None:
    before = zip_members(deploy_zip.site, ROUTES)
    after = zip_members(deploy_zip.site, {**ROUTES, "DELETE /items": ["app.admin"]})
    assert content_digest(before) != content_digest(after)
    assert json.loads(after[ROUTES_MEMBER])["DELETE /items"] == ["app.admin"]


def test_the_tested_zip_differs_from_the_deployed_one_only_in_cffis_compiled_module(
    deploy_zip: BuiltPackage, test_zip: BuiltPackage
) -> None:
    with zipfile.ZipFile(deploy_zip.path) as deployed, zipfile.ZipFile(test_zip.path) as tested:
        a = {i.filename: i.CRC for i in deployed.infolist()}
        b = {i.filename: i.CRC for i in tested.infolist()}
    differing = sorted(n for n in a.keys() | b.keys() if a.get(n) != b.get(n))
    cffi_wheel = next(n for n in a if n.startswith("cffi-") and n.endswith(".dist-info/WHEEL"))
    assert differing == [
        "_cffi_backend.cpython-311-x86_64-linux-gnu.so",
        "_cffi_backend.cpython-313-x86_64-linux-gnu.so",
        cffi_wheel,
    ]


def test_the_handler_imports_only_from_the_unpacked_zip(function: ZipFunction) -> None:
    loaded = function.cold({})
    root = str(function.root)
    assert loaded["no_site"], "the subprocess must run without site-packages"
    assert set(loaded["files"]) == {"authorizer", "jwt", "cryptography", "_cffi_backend"}
    for module, path in loaded["files"].items():
        assert path.startswith(root + os.sep), f"{module} loaded from {path}"
    assert not [p for p in loaded["path"] if "site-packages" in p]


def test_the_function_refuses_a_route_missing_from_its_map(function: ZipFunction) -> None:
    function.cold({"AUTHORIZER_ISSUER": "https://x.ciamlogin.com/x/v2.0", "AUTHORIZER_AUDIENCE": "a"})
    answer = function.invoke({"version": "2.0", "routeKey": "DELETE /items", "headers": {"authorization": "Bearer x"}})
    assert answer == {"isAuthorized": False}
    assert json.loads(function.logs[-1])["reason"] == "route not in the route map"


def test_the_function_refuses_when_its_environment_is_incomplete(function: ZipFunction) -> None:
    function.cold({"AUTHORIZER_ISSUER": "https://x.ciamlogin.com/x/v2.0"})
    answer = function.invoke({"version": "2.0", "routeKey": "GET /items", "headers": {"authorization": "Bearer x"}})
    assert answer == {"isAuthorized": False}
    assert json.loads(function.logs[-1])["reason"] == "missing environment: AUTHORIZER_AUDIENCE"


def test_targets_are_checked() -> None:
    with pytest.raises(ValueError, match=re.escape("python3.11, python3.12, python3.13")):
        LambdaTarget("python3.9", "x86_64")
    with pytest.raises(ValueError, match="x86_64, arm64"):
        LambdaTarget("python3.13", "aarch64")
    assert LambdaTarget("python3.12", "arm64").python_platform == "aarch64-manylinux2014"
    assert (DEPLOY_TARGET.runtime, DEPLOY_TARGET.architecture) == ("python3.13", "x86_64")
    assert TEST_TARGET.python_version == "3.11"


def test_no_routes_is_refused() -> None:
    with pytest.raises(PackageBuildError, match="no protected routes"):
        build_authorizer_zip({})
