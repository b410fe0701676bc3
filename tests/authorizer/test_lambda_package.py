"""The deployable package: what it holds, that what Pulumi hashes of it depends on names and
contents only (not on the builder's zlib, times or permissions), and that the tree the tests run is
the deployed one but for cffi's per-Python compiled module."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from components.lambda_package import (
    DEPLOY_TARGET,
    HANDLER,
    ROUTES_MEMBER,
    TEST_TARGET,
    BuiltPackage,
    LambdaTarget,
    PackageBuildError,
    build_authorizer_package,
    content_digest,
    package_members,
    read_tree,
    write_tree,
)
from tests.support.authorizer_zip import ROUTES, ZipFunction
from tests.support.external_id import READER, FakeExternalId
from tests.support.pulumi_archive import archive_hash, tar_of_members, walk


def test_package_holds_the_function_the_route_map_and_the_locked_wheels(deploy_zip: BuiltPackage) -> None:
    members = read_tree(deploy_zip.tree)
    assert HANDLER == "authorizer.handler.handler"
    assert {"authorizer/__init__.py", "authorizer/handler.py", "authorizer/keys.py", "authorizer/tokens.py"} <= set(
        members
    )
    assert json.loads(members[ROUTES_MEMBER]) == ROUTES
    wheels = {n.split("-")[0] for n in members if n.endswith(".dist-info/METADATA")}
    cryptography_wheel = next(v for n, v in members.items() if n.startswith("cryptography-") and n.endswith("/WHEEL"))
    assert wheels == {"cffi", "cryptography", "pyjwt"}, "pycparser is locked (cffi needs it to build) but never loaded"
    assert not [n for n in members if n.split("/")[0].startswith("pycparser")]
    assert b"manylinux2014_x86_64" in cryptography_wheel
    assert "_cffi_backend.cpython-313-x86_64-linux-gnu.so" in members, "cffi built for the python3.13 runtime"
    assert not [n for n in members if n.endswith((".pyc", ".pyi")) or "__pycache__" in n or n.startswith("bin/")]
    assert not [n for n in members if n.endswith(("/RECORD", "/INSTALLER", "/direct_url.json"))]
    assert [n for n in members if "/licenses/" in n], "the wheels' licence files ship with them"


def test_pulumi_hashes_the_tree_by_names_and_contents_alone(deploy_zip: BuiltPackage) -> None:
    members = read_tree(deploy_zip.tree)
    assert sorted(members) == sorted(package_members(deploy_zip.site, ROUTES)), "exactly the members, nothing else"
    in_walk_order = [(name, members[name]) for name, _ in walk(deploy_zip.tree)]
    assert archive_hash(deploy_zip.tree) == hashlib.sha256(tar_of_members(in_walk_order)).hexdigest()
    assert not deploy_zip.tree.name.endswith((".zip", ".tar", ".tgz", ".jar")), "Pulumi would hash raw bytes"
    assert deploy_zip.tree.name == content_digest(members)[:32]


def test_the_archive_hash_does_not_depend_on_the_builders_zlib(deploy_zip: BuiltPackage, tmp_path: Path) -> None:
    """Another machine's zlib (zlib-ng on Fedora, Windows CPython 3.14) deflates the same members to
    other bytes: a ``.zip`` handed to Pulumi is hashed by those bytes, the tree by its contents."""
    members = read_tree(deploy_zip.tree)
    trees = []
    for level in (1, 2):  # two compressors' output for the same members (level 9 costs 2 s here)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
            for name in sorted(members):
                archive.writestr(name, members[name])
        zip_path = tmp_path / f"level{level}.zip"
        zip_path.write_bytes(buffer.getvalue())
        with zipfile.ZipFile(zip_path) as archive:
            unzipped = {i.filename: archive.read(i) for i in archive.infolist()}
        trees.append((archive_hash(zip_path), archive_hash(write_tree(unzipped, tmp_path / f"trees{level}"))))
    (zip_1, tree_1), (zip_2, tree_2) = trees
    assert zip_1 != zip_2, "a zip's archive hash changes with the compressor"
    assert tree_1 == tree_2 == archive_hash(deploy_zip.tree)


def test_building_the_tree_never_compresses(
    deploy_zip: BuiltPackage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_zlib(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the package build used zlib: its output would vary with the builder's zlib")

    cache = tmp_path / "cache"
    shutil.copytree(deploy_zip.site, cache / deploy_zip.site.name)  # the same install, another checkout
    for name in ("compressobj", "compress"):
        monkeypatch.setattr(zlib, name, no_zlib)
    again = build_authorizer_package(ROUTES, target=DEPLOY_TARGET, cache_dir=cache)
    assert again.tree != deploy_zip.tree
    assert archive_hash(again.tree) == archive_hash(deploy_zip.tree)


def test_the_archive_hash_ignores_times_permissions_and_empty_directories(
    deploy_zip: BuiltPackage, tmp_path: Path
) -> None:
    copy = tmp_path / "tree"
    shutil.copytree(deploy_zip.tree, copy)
    for path in copy.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
        if path.is_file():
            path.chmod(0o600)
    (copy / "authorizer" / "empty").mkdir()
    assert archive_hash(copy) == archive_hash(deploy_zip.tree)
    (copy / "authorizer" / "handler.py").write_bytes((copy / "authorizer" / "handler.py").read_bytes() + b"\n")
    assert archive_hash(copy) != archive_hash(deploy_zip.tree), "a changed byte does change it"


def test_an_altered_tree_is_rebuilt(deploy_zip: BuiltPackage, tmp_path: Path) -> None:
    members = read_tree(deploy_zip.tree)
    tree = write_tree(members, tmp_path)
    expected = archive_hash(tree)
    (tree / "authorizer" / "__pycache__").mkdir()
    (tree / "authorizer" / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"stray")
    (tree / "authorizer" / "tokens.py").write_bytes(b"edited")
    assert write_tree(members, tmp_path) == tree
    assert archive_hash(tree) == expected
    assert read_tree(tree) == members


def test_a_member_pulumi_would_skip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PackageBuildError, match=re.escape("'x/.pulumi/y'")):
        write_tree({"x/.pulumi/y": b""}, tmp_path)
    with pytest.raises(PackageBuildError, match=re.escape("'../up'")):
        write_tree({"../up": b""}, tmp_path)


def test_members_depend_on_contents_not_on_file_times_permissions_or_order(
    deploy_zip: BuiltPackage, tmp_path: Path
) -> None:
    copy = tmp_path / "site"
    shutil.copytree(deploy_zip.site, copy)
    for path in copy.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
        if path.is_file():
            path.chmod(0o600)
    members = package_members(copy, dict(reversed(list(ROUTES.items()))))
    assert members == read_tree(deploy_zip.tree)


def test_a_changed_route_map_changes_the_content_and_so_the_tree(deploy_zip: BuiltPackage) -> None:
    before = package_members(deploy_zip.site, ROUTES)
    after = package_members(deploy_zip.site, {**ROUTES, "DELETE /items": ["app.admin"]})
    assert content_digest(before) != content_digest(after)
    assert json.loads(after[ROUTES_MEMBER])["DELETE /items"] == ["app.admin"]


def test_the_tested_tree_differs_from_the_deployed_one_only_in_cffis_compiled_module(
    deploy_zip: BuiltPackage, test_zip: BuiltPackage
) -> None:
    a = {n: hashlib.sha256(v).digest() for n, v in read_tree(deploy_zip.tree).items()}
    b = {n: hashlib.sha256(v).digest() for n, v in read_tree(test_zip.tree).items()}
    differing = sorted(n for n in a.keys() | b.keys() if a.get(n) != b.get(n))
    cffi_wheel = next(n for n in a if n.startswith("cffi-") and n.endswith(".dist-info/WHEEL"))
    assert differing == [
        "_cffi_backend.cpython-311-x86_64-linux-gnu.so",
        "_cffi_backend.cpython-313-x86_64-linux-gnu.so",
        cffi_wheel,
    ]


def test_the_handler_imports_only_from_the_package_tree(function: ZipFunction) -> None:
    loaded = function.cold({})
    root = str(function.root)
    assert loaded["no_site"], "the subprocess must run without site-packages"
    assert set(loaded["files"]) == {"authorizer", "jwt", "cryptography", "_cffi_backend"}
    for module, path in loaded["files"].items():
        assert path.startswith(root + os.sep), f"{module} loaded from {path}"
    assert not [p for p in loaded["path"] if "site-packages" in p]


def test_import_audit_no_cffi_python_code_nor_pycparser_is_loaded(
    container: ZipFunction, idp: FakeExternalId, test_zip: BuiltPackage
) -> None:
    """What a cold container loads from the package through an allow (discovery, JWKS, RS256):
    cffi's compiled backend only, never cffi's Python package or pycparser (left out)."""
    token = idp.token(READER)
    event = {"version": "2.0", "routeKey": "GET /items", "headers": {"authorization": f"Bearer {token}"}}
    assert container.invoke(event)["isAuthorized"] is True
    tops = {m.split(".")[0] for m in container.modules()}
    assert tops == {"authorizer", "jwt", "cryptography", "_cffi_backend"}
    assert "cffi" in {n.split("/")[0] for n in read_tree(test_zip.tree)}, "cffi's package ships, unused"


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
        build_authorizer_package({})
