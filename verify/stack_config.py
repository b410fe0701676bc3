"""``config``: a stack config file checked offline, by the program's own validator.

The values reach ``components.config.read_settings`` as the Pulumi CLI hands them to the program:
strings as written, other scalars as text, maps and lists as JSON; every key set is passed, so a
misspelt section is refused as at ``pulumi up``. The messages are the program's.

What cannot be read offline is said, never passed over:

- ``secure:`` values (``pulumi config set --secret``) are encrypted: the key is treated as set with
  ``--secret``, so a ``b2c-apigw`` section stored so is refused with the program's message; the
  value itself, and the checks that depend on it, are reported as not checked offline.
- An ``environment:`` import (Pulumi ESC) and a project-level value in ``Pulumi.yaml`` (``config:``
  with a ``default`` or ``value``) may set keys: reported as not checked offline.
- Keys the program does not read (other providers' settings) are listed; top-level keys of the
  file other than Pulumi's own are refused, and so are keys without a namespace, with the wording
  of Pulumi's ``config.ParseKey`` (pulumi/pulumi, sdk/go/common/resource/config/key.go).

The stack name (which the program's name checks use) comes from ``Pulumi.<stack>.yaml``; another
file name gives its stem, and ``--stack`` overrides both.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final, cast

import yaml

from components.config import NAMESPACE, ConfigError, Settings, read_settings
from verify.errors import UsageError
from verify.findings import Finding, Status

STACK_FILE: Final = re.compile(r"^Pulumi\.(?P<stack>[^/]+)\.ya?ml\Z")
# Pulumi's stack names: letters, digits, '-', '_' and '.', at most 100 characters. Checked before the
# name is shown in a report: a client secret pasted as --stack (Entra's hold a '~') is refused unseen.
STACK_NAME: Final = re.compile(r"^[A-Za-z0-9_.-]{1,100}\Z")
# Pulumi's stack settings (ProjectStack in pulumi/pulumi sdk/go/common/workspace/project.go).
TOP_LEVEL: Final = ("config", "environment", "secretsprovider", "encryptedkey", "encryptionsalt")
# Besides the b2c-apigw keys, what the program reads (components.config.read_settings).
PROGRAM_KEYS: Final = ("aws:region", "azuread:tenantId")
# Provider settings that are credentials: a committed stack file may hold them only as ciphertext
# (secure:). pulumi-azuread's config (sdk config/vars: clientSecret, clientCertificate, a base64
# PKCS#12 bundle with its private key, clientCertificatePassword, oidcToken, oidcRequestToken) and
# pulumi-aws's (secretKey, token). aws:accessKey is the access key id, which is not secret.
CREDENTIAL_KEYS: Final = (
    "azuread:clientSecret",
    "azuread:clientCertificate",
    "azuread:clientCertificatePassword",
    "azuread:oidcToken",
    "azuread:oidcRequestToken",
    "aws:secretKey",
    "aws:token",
)


class _Yaml12Loader(yaml.SafeLoader):
    """YAML as Pulumi's Go parser reads it (YAML 1.2): only true/false are booleans, no timestamps.

    PyYAML follows YAML 1.1, where ``yes``/``on`` are booleans and ``2024-01-01`` is a date: the
    program would then be shown a ``public: true`` the deployed stack never gets.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass
class FileReport:
    path: str
    stack: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    def add(self, name: str, status: Status, detail: str, fix: str = "") -> None:
        self.findings.append(Finding(name, status, detail, fix))

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.path,
            "stack": self.stack,
            "ok": self.ok,
            "findings": [f.as_dict("key") for f in self.findings],
        }


@dataclass
class ConfigReport:
    files: list[FileReport]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "files": [f.as_dict() for f in self.files]}


def stack_files(directory: Path) -> list[Path]:
    """``Pulumi.<stack>.yaml`` files of ``directory``: what ``verify config`` checks by default."""
    return sorted(directory / p.name for p in directory.iterdir() if STACK_FILE.match(p.name) and p.is_file())


def run(paths: Sequence[str], stack: str | None = None) -> ConfigReport:
    if stack is not None and not STACK_NAME.match(stack):
        raise UsageError("--stack must be a Pulumi stack name: letters, digits, '-', '_' and '.', at most 100")
    if not paths:
        found = stack_files(Path("."))
        if not found:
            raise UsageError("no Pulumi.<stack>.yaml in this directory: name the stack config files to check")
        paths = [str(p) for p in found]
    return ConfigReport([check_file(Path(p), stack) for p in paths])


def check_file(path: Path, stack: str | None = None) -> FileReport:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise UsageError(f"cannot read stack config file {path}: {e.strerror}") from None
    m = STACK_FILE.match(path.name)
    name = stack or (m["stack"] if m else path.stem)
    report = FileReport(str(path), name)
    if stack is None and m is None:
        report.add(
            "stack",
            "info",
            f"the file is not named Pulumi.<stack>.yaml: checked as stack {name!r} (its stem); --stack NAME sets it",
        )
    try:
        doc = yaml.load(raw.decode("utf-8"), Loader=_Yaml12Loader)  # noqa: S506  (a SafeLoader)
    except UnicodeDecodeError:
        report.add("file", "fail", "is not UTF-8 text")
        return report
    except yaml.YAMLError as e:
        # The problem and its place only: the parser's snippet of the line could quote a value.
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        report.add("file", "fail", f"is not YAML: {getattr(e, 'problem', None) or 'unreadable'}{where}")
        return report
    if doc is None:
        doc = {}
    if not isinstance(doc, Mapping):
        report.add("file", "fail", f"must be a map with a config: key (got a {type(doc).__name__})")
        return report
    for key in doc:
        if key not in TOP_LEVEL:
            report.add(str(key), "fail", f"unknown top-level key of a stack file (valid: {', '.join(TOP_LEVEL)})")
    environment = doc.get("environment")
    if environment is not None:
        names = environment if isinstance(environment, list) else [environment]
        report.add(
            "environment",
            "info",
            f"imports {', '.join(map(str, names))}: the config it supplies (Pulumi ESC) is not checked offline; "
            "a key set only there is reported missing here",
        )
    config = doc.get("config")
    if config is None:
        config = {}
    if not isinstance(config, Mapping):
        report.add("config", "fail", f"must be a map of <namespace>:<name> keys (got a {type(config).__name__})")
        return report
    _project_defaults(path, report)
    _check_config(cast(Mapping[str, Any], config), report)
    return report


def _check_config(config: Mapping[str, Any], report: FileReport) -> None:
    values: dict[str, str] = {}
    secure: list[str] = []
    for raw_key, value in config.items():
        key = _parse_key(str(raw_key))
        if key is None:
            report.add(
                str(raw_key),
                "fail",
                f"could not parse {raw_key} as a configuration key (configuration keys should be of the form "
                "`<namespace>:<name>`)",
                f"write {NAMESPACE}:{raw_key} for the program's own keys",
            )
            continue
        if _has_secure(value):
            secure.append(key)
        else:
            values[key] = _as_text(value)
    for key in sorted(values.keys() | set(secure)):
        if not key.startswith(f"{NAMESPACE}:") and key not in PROGRAM_KEYS:
            report.add(key, "info", "not read by the program (its provider or another tool reads it): not checked here")
    for key in CREDENTIAL_KEYS:
        if key in values:  # never its value: the file is where it leaked, the report must not repeat it
            report.add(
                key,
                "fail",
                "is a credential stored in clear text: a committed stack file must hold only ciphertext",
                f"remove it from the file and run `pulumi config set --secret {key}` (stored as secure:), and "
                "rotate it: it has been readable by everyone with the file",
            )

    def get(key: str) -> str | None:
        return values.get(key)

    def validate(secret_keys: Sequence[str]) -> tuple[list[str], tuple[str, ...]]:
        try:
            settings: Settings = read_settings(get, report.stack, {}, keys=[*values, *secure], secret_keys=secret_keys)
        except ConfigError as e:
            return list(e.problems), ()
        return [], settings.notices

    # Secure values are passed as unset. The program's problems with them as secrets (a section stored
    # with --secret) come first, before its other problems, one for one with those of the same config
    # read without secrets; the latter are kept unless they are about a value not read here.
    plain, notices = validate(())
    problems, notices_secret = validate(secure) if secure else (plain, notices)
    leaked = len(problems) - len(plain)
    unread = tuple(f"{k}{sep}" for k in secure for sep in (":", ".", "["))
    if leaked < 0:  # pragma: no cover  (the validator changed its shape: show all it said)
        leaked, plain = len(problems), []
    for problem in problems[:leaked]:
        report.add(_key_of(problem), "fail", _detail_of(problem))
    for problem, without_secrets in zip(problems[leaked:], plain, strict=True):
        if not without_secrets.startswith(unread):
            report.add(_key_of(problem), "fail", _detail_of(problem))
    for notice in notices_secret:
        if not notice.startswith(tuple(f"{k} " for k in secure)):
            report.add(_key_of(notice, " "), "warn", notice)
    for key in secure:
        report.add(
            key,
            "info",
            "is stored as a secret (secure:): its value is encrypted, so it and the checks that depend on it are "
            "not checked offline",
        )


def _key_of(problem: str, sep: str = ": ") -> str:
    return problem.split(sep, 1)[0]


def _detail_of(problem: str) -> str:
    return problem.split(": ", 1)[1] if ": " in problem else problem


def _parse_key(key: str) -> str | None:
    """``namespace:name`` as Pulumi's ``config.ParseKey`` reads it: one colon, or ``pkg:config:name``."""
    parts = key.split(":")
    if len(parts) == 2 and all(parts):
        return key
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}"
    return None


def _has_secure(value: object) -> bool:
    """A ``{secure: <ciphertext>}`` anywhere in the value: Pulumi holds the whole key as a secret."""
    if isinstance(value, Mapping):
        if list(value) == ["secure"] and isinstance(value["secure"], str):
            return True
        return any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _as_text(value: object) -> str:
    """What the program's ``get`` returns: strings as written, other scalars as text, the rest as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, default=_json_default)


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):  # pragma: no cover  (the loader makes no dates)
        return value.isoformat()
    return str(value)


def _project_defaults(stack_file: Path, report: FileReport) -> None:
    """Values ``Pulumi.yaml`` gives the project's config: reported, not merged (not checked offline)."""
    project = _project_file(stack_file.resolve().parent)
    if project is None:
        return
    try:
        doc = yaml.load(project.read_text(encoding="utf-8"), Loader=_Yaml12Loader)  # noqa: S506  (a SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        report.add(str(project), "warn", "the project file could not be read: its config defaults are not checked")
        return
    config = doc.get("config") if isinstance(doc, Mapping) else None
    if not isinstance(config, Mapping):
        return
    name = doc.get("name")
    for key, spec in config.items():
        has_value = not isinstance(spec, Mapping) or "default" in spec or "value" in spec
        if has_value:
            full = str(key) if ":" in str(key) else f"{name}:{key}"
            report.add(full, "info", f"has a project-level value in {project}: not checked offline")


def _project_file(directory: Path, exists: Callable[[Path], bool] = Path.is_file) -> Path | None:
    """The nearest ``Pulumi.yaml`` (or ``.yml``) at or above ``directory``, as the CLI finds its project."""
    for d in (directory, *directory.parents):
        for name in ("Pulumi.yaml", "Pulumi.yml"):
            if exists(d / name):
                return d / name
    return None
