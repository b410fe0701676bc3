"""Fixtures: the authorizer packages (built once per run), the External ID double, the function in a
subprocess, and a gateway double in front of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from components.lambda_package import DEPLOY_TARGET, TEST_TARGET, BuiltPackage, build_authorizer_package
from tests.support.authorizer_zip import GATEWAY_ROUTES, ROUTES, ZipFunction
from tests.support.external_id import READER, READER_SECRET, FakeExternalId
from tests.support.lambda_gateway import FakeLambdaGateway


@pytest.fixture(scope="session")
def test_zip() -> BuiltPackage:
    """The package the tests run: same lock, code and builder as the deployed one, for CPython 3.11."""
    return build_authorizer_package(ROUTES, target=TEST_TARGET)


@pytest.fixture(scope="session")
def deploy_zip() -> BuiltPackage:
    return build_authorizer_package(ROUTES, target=DEPLOY_TARGET)


@pytest.fixture(scope="session")
def idp() -> Iterator[FakeExternalId]:
    keys = {"key-1": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
    server = FakeExternalId(signing_keys=keys, current_kid="key-1").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def function(test_zip: BuiltPackage, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZipFunction]:
    fn = ZipFunction(test_zip.tree, tmp_path_factory.mktemp("driver"))  # the built tree itself
    yield fn
    fn.close()


@pytest.fixture
def container(function: ZipFunction, idp: FakeExternalId) -> ZipFunction:
    """A cold container configured for the double's tenant, and the double back to its first state."""
    idp.down.clear()
    idp.grants.clear()
    idp.clients.clear()
    idp.add_client(READER, READER_SECRET, {"app.read"})
    for name in idp.hits:
        idp.hits[name] = 0
    function.logs.clear()
    function.cold(
        {
            "AUTHORIZER_ISSUER": idp.issuer,
            "AUTHORIZER_AUDIENCE": idp.api_client_id,
            "AUTHORIZER_DISCOVERY_URL": idp.discovery_url,
        }
    )
    return function


@pytest.fixture
def gateway(container: ZipFunction) -> Iterator[FakeLambdaGateway]:
    gw = FakeLambdaGateway(invoke=container.invoke, protected=GATEWAY_ROUTES).start()
    yield gw
    gw.stop()
