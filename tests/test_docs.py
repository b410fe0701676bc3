"""The docs and the examples against the program and against themselves.

- Every example stack under examples/ passes the program's validator and runs under mocks.
- Every document a file cites (``docs/<name>.md``, with ``"<Section>"`` when it names one) exists,
  with that heading; every relative link of the Markdown files resolves, anchors included.
- No file cites a document outside the repository.
- The README stays a front page, and docs/configuration.md describes every key the validator knows.
"""

from __future__ import annotations

import copy
import re
import subprocess
import unicodedata
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from components.config import ConfigError, Settings, read_settings
from tests.support.example import config_getter, example_files, stack_config
from tests.support.mocks import ProgramRun, run_program
from verify.cli import main as verify_main

ROOT = Path(__file__).resolve().parent.parent
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()
CITING_SUFFIXES = (".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".cfg", ".ini", ".sh")
# What a citation of a document outside the repository looks like, so that a clone cannot follow it:
# an upper-case Markdown name (README.md-style) that no file of the repository has; a path that climbs
# out of the repository (../...); or a document path whose first folder is not one of the repository's.
CAPS_DOCUMENT = re.compile(r"(?<![\w/.-])([A-Z][A-Z0-9_-]*\.md)\b")
DOCUMENT_PATH = re.compile(r"(?<![\w/.:-])((?:\.\./)*[\w-]+/[\w./-]*\.(?:md|txt))\b")
README_MAX_LINES = 260

ROUTE = "aws:apigatewayv2/route:Route"
CLIENT = "b2capigw:azure:ClientApp"
AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
API_APP = "azuread:index/application:Application"


@cache
def repository_files() -> tuple[Path, ...]:
    """Tracked files and new ones not ignored: what a commit of this tree would hold."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
    except (OSError, subprocess.CalledProcessError):
        pytest.fail("git ls-files failed: these tests read the repository's file list from git")
    return tuple(ROOT / name for name in listed.split("\0") if name and (ROOT / name).is_file())


def text_files(suffixes: tuple[str, ...] = CITING_SUFFIXES) -> list[Path]:
    return [p for p in repository_files() if p.suffix in suffixes or p.name in (".gitignore", "run")]


def markdown_files() -> list[Path]:
    return [p for p in repository_files() if p.suffix == ".md"]


def headings(markdown: str) -> list[str]:
    """The ATX headings of a Markdown text, outside fenced code blocks, as written."""
    return [m.group(1).strip() for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", without_code(markdown), re.M)]


def without_code(markdown: str) -> str:
    return re.sub(r"^```.*?^```", "", markdown, flags=re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, punctuation dropped (``-`` and ``_`` kept), spaces to ``-``."""
    text = heading.lower().replace("`", "")
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every anchor GitHub makes for the headings: repeated slugs get -1, -2, ..."""
    seen: Counter[str] = Counter()
    found = set()
    for heading in headings(markdown):
        base = slug(heading)
        found.add(f"{base}-{seen[base]}" if seen[base] else base)
        seen[base] += 1
    return found


# `docs/facts.md, "Issuer and discovery"`, `docs/facts.md`, "A" and "B", and a bare docs/testing.md.
# Comments may wrap between the file and its sections: a line break and a comment marker are allowed.
_GAP = r"(?:\s|#|\*|//)*"
CITATION = re.compile(
    rf'docs/(?P<file>[A-Za-z0-9_.-]+\.md)`?(?P<sections>(?:{_GAP}(?:,|and){_GAP}"[^"\n]+")*)',
)


def citations() -> list[tuple[str, str, str | None]]:
    """(citing file, cited docs file, cited section or None) for every citation in the repository."""
    found: list[tuple[str, str, str | None]] = []
    for path in text_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == THIS:
            continue
        for m in CITATION.finditer(path.read_text(encoding="utf-8", errors="replace")):
            sections = re.findall(r'"([^"\n]+)"', m.group("sections"))
            found += [(rel, m.group("file"), s) for s in sections] or [(rel, m.group("file"), None)]
    return found


def test_citations_are_found() -> None:
    """The scan itself: the code cites docs/facts.md by section, so a scan that finds none is broken."""
    cited = citations()
    assert ("components/b2c.py", "facts.md", "Issuer and discovery") in cited
    assert ("verify/b2c.py", "facts.md", "Azure AD B2C side") in cited
    assert ("verify/b2c.py", "facts.md", "Issuer and discovery") in cited
    assert ("pyproject.toml", "upgrading.md", None) in cited


def names(heading: str, section: str) -> bool:
    """Whether a citation of ``section`` names ``heading``: exactly, or up to a parenthetical that
    follows it (``Lambda authorizer statuses (`authorizer/statuses.py`)``)."""
    return heading == section or heading.startswith(f"{section} (")


def test_a_section_is_named_by_its_heading_text() -> None:
    assert names("Issuer and discovery", "Issuer and discovery")
    assert names("Lambda authorizer statuses (`authorizer/statuses.py`)", "Lambda authorizer statuses")
    assert not names("Packaging (`components/lambda_package.py`)", "Packaging the authorizer")
    assert not names("Issuer and discovery", "Issuer")


def test_every_cited_document_and_section_exists() -> None:
    missing = []
    for citing, name, section in citations():
        target = ROOT / "docs" / name
        if not target.is_file():
            missing.append(f"{citing}: docs/{name} does not exist")
        elif section is not None and not any(names(h, section) for h in headings(target.read_text(encoding="utf-8"))):
            missing.append(f'{citing}: docs/{name} has no heading "{section}"')
    assert not missing, "\n".join(sorted(set(missing)))


def outside_citations(rel: str, text: str) -> list[str]:
    """The documents ``text`` (of the repository file ``rel``) cites that a clone does not have."""
    files = repository_files()
    names = {p.name for p in files}
    folders = {p.relative_to(ROOT).parts[0] for p in files if len(p.relative_to(ROOT).parts) > 1}
    offenders = [name for name in CAPS_DOCUMENT.findall(text) if name not in names]
    for cited in DOCUMENT_PATH.findall(text):
        if cited.startswith("../"):
            target = (ROOT / rel).parent.joinpath(cited).resolve()
            if not (target.is_relative_to(ROOT) and target.exists()):
                offenders.append(cited)
        elif cited.split("/", 1)[0] not in folders:
            offenders.append(cited)
    return offenders


def test_the_outside_scan_sees_what_a_clone_cannot_follow() -> None:
    """The scan itself, on citations shaped like those this project's code once made of notes kept
    beside the repository (a folder next to the clone), and on ones a clone can follow."""
    outside = "../notes/design/"
    text = f'see {outside}NOTES.md; HANDBOOK.md, "Tokens"; {outside[3:]}article.txt; docs/facts.md; README.md'
    assert outside_citations("components/b2c.py", text) == [
        "HANDBOOK.md",
        f"{outside}NOTES.md",
        f"{outside[3:]}article.txt",
    ]
    assert outside_citations("components/b2c.py", "policy/requirements.txt; ../README.md; CHANGELOG.md") == []


def test_no_file_cites_a_document_outside_the_repository() -> None:
    offenders = []
    for path in text_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel == THIS:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        offenders += [f"{rel}: {name}" for name in outside_citations(rel, text)]
    assert not offenders, "\n".join(offenders)


LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def links(markdown: str) -> list[str]:
    """The targets of inline links and images, outside code blocks and inline code."""
    text = re.sub(r"`[^`\n]*`", "", without_code(markdown))
    return LINK.findall(text)


def test_the_link_scan_sees_the_readmes_links() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/configuration.md" in links(readme)
    assert any(t.startswith("docs/facts.md#") for t in links(readme))


def test_every_relative_link_resolves() -> None:
    broken = []
    for path in markdown_files():
        text = path.read_text(encoding="utf-8")
        for target in links(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...
                continue
            file_part, _, anchor = target.partition("#")
            dest = (path.parent / file_part).resolve() if file_part else path
            where = f"{path.relative_to(ROOT).as_posix()}: ({target})"
            if not dest.exists():
                broken.append(f"{where}: no such file")
            elif not str(dest).startswith(str(ROOT)):
                broken.append(f"{where}: outside the repository")
            elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest.read_text(encoding="utf-8"))):
                broken.append(f"{where}: no heading with anchor #{anchor}")
    assert not broken, "\n".join(broken)


def test_slugs_are_githubs() -> None:
    assert slug("The platform's horizon") == "the-platforms-horizon"
    assert slug("`clients[].secretDays`") == "clientssecretdays"
    assert slug("`python -m verify`: prove a stack works") == "python--m-verify-prove-a-stack-works"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_the_readme_is_a_front_page() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move reference parts to docs/"


def pipe_in_code(row: str) -> bool:
    """Whether a table row has a ``|`` inside inline code, which GitHub takes for a cell boundary."""
    return row.startswith("|") and any("|" in span for span in re.findall(r"`([^`]*)`", row))


def test_no_markdown_table_row_is_broken_by_a_pipe_in_code() -> None:
    """GitHub splits table cells on ``|`` even inside backticks: ``smoke|preflight`` broke the Layout table."""
    assert pipe_in_code("| `verify/` | `python -m verify smoke|preflight|doctor`: prove |")
    assert not pipe_in_code("| `a` | `b` | c |")
    broken = []
    for path in markdown_files():
        for n, line in enumerate(without_code(path.read_text(encoding="utf-8")).splitlines(), 1):
            if pipe_in_code(line):
                broken.append(f"{path.relative_to(ROOT).as_posix()}:{n}: {line[:80]}")
    assert not broken, "\n".join(broken)


# --- The examples ---------------------------------------------------------------------------------


EXAMPLES = example_files()


@cache
def deployed(path: Path) -> ProgramRun:
    """The program run under mocks on an example, as stack ``dev`` (once per example)."""
    return run_program(stack_config(path))


def parse_example(path: Path, stack: str = "dev") -> Settings:
    cfg = stack_config(path)
    return read_settings(config_getter(cfg), stack, keys=cfg)


def test_the_examples_are_there() -> None:
    assert {p.name for p in EXAMPLES} >= {"b2c-minimal.yaml", "b2c-complete.yaml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_passes_the_validator_as_written(path: Path) -> None:
    cfg = stack_config(path)
    settings = parse_example(path)
    assert [r.key for r in settings.api.routes] == [r["route"] for r in cfg["b2c-apigw:api"]["routes"]]
    assert [c.name for c in settings.clients] == [c["name"] for c in cfg.get("b2c-apigw:clients", [])]
    assert settings.tenant.id == cfg["azuread:tenantId"]
    # No secret in an example: its values reach names, URLs and plain outputs.
    assert "secure:" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_each_example_deploys_under_mocks(path: Path) -> None:
    cfg = stack_config(path)
    run = deployed(path)
    types = Counter(r.type for r in run.registered)
    assert types[ROUTE] == len(cfg["b2c-apigw:api"]["routes"])
    assert types[CLIENT] == len(cfg.get("b2c-apigw:clients", []))
    assert run.exports["issuer"].value == parse_example(path).tenant.issuer
    assert run.exports["clients"].secret


def test_the_complete_example_uses_what_it_says() -> None:
    """Custom domain, App ID URI, path parameters, a greedy route, several clients: each reaches the clouds."""
    path = next(p for p in EXAMPLES if p.name == "b2c-complete.yaml")
    run = deployed(path)
    settings = parse_example(path)
    assert run.exports["tokenUrl"].value.startswith("https://login.contoso.com/")
    assert run.exports["issuer"].value.startswith("https://login.contoso.com/tfp/")
    assert run.exports["scope"].value == "https://contosob2c.onmicrosoft.com/orders/.default"
    (api_app,) = [r for r in run.registered if r.type == API_APP and r.name == "api-app"]
    assert api_app.inputs["identifierUris"] == ["https://contosob2c.onmicrosoft.com/orders"]
    routes = {r.inputs["routeKey"] for r in run.registered if r.type == ROUTE}
    assert {"GET /orders/{orderId}/items/{itemId}", "ANY /admin/{proxy+}"} <= routes
    assert len(settings.clients) >= 3
    assert any(not c.grants for c in settings.clients)


def test_a_broken_example_fails_with_the_validators_message() -> None:
    """What the examples test proves: a copy with a bad key does not pass."""
    path = next(p for p in EXAMPLES if p.name == "b2c-complete.yaml")
    cfg: dict[str, Any] = copy.deepcopy(stack_config(path))
    cfg["b2c-apigw:api"]["routes"][0]["scopes"] = ["orders.delete"]
    with pytest.raises(ConfigError) as info:
        read_settings(config_getter(cfg), "dev", keys=cfg)
    assert info.value.problems == (
        "b2c-apigw:api.routes[0] (GET /orders).scopes: 'orders.delete' is not in api.permissions "
        "(valid: orders.read, orders.write, orders.admin)",
    )


def test_verify_config_passes_every_example(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's `verify config` step, on the examples as shipped."""
    assert verify_main(["config", *(str(p) for p in EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert f"ok: {len(EXAMPLES)} file(s) checked, 0 invalid" in out


def test_verify_config_fails_a_broken_copy_with_the_validators_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = next(p for p in EXAMPLES if p.name == "b2c-minimal.yaml")
    broken = tmp_path / "Pulumi.dev.yaml"
    broken.write_text(path.read_text(encoding="utf-8").replace("scopes: [app.read]", "scopes: [app.delete]"))
    assert verify_main(["config", str(broken)]) == 1
    cfg = stack_config(broken)
    with pytest.raises(ConfigError) as info:
        read_settings(config_getter(cfg), "dev", keys=cfg)
    (problem,) = info.value.problems
    assert problem in capsys.readouterr().out


# --- docs/configuration.md covers every key --------------------------------------------------------


def known_keys(place: tuple[Any, ...]) -> list[str]:
    """The keys the validator accepts at ``place`` in the minimal example, from its own unknown-key message."""
    cfg = stack_config(next(p for p in EXAMPLES if p.name == "b2c-minimal.yaml"))
    node: Any = cfg
    for step in place:
        node = node[step]
    if "throttle" not in cfg["b2c-apigw:api"]:
        cfg["b2c-apigw:api"]["throttle"] = {}
    node["zzUnknown"] = 1
    with pytest.raises(ConfigError) as info:
        read_settings(config_getter(cfg), "dev", keys=cfg)
    (problem,) = [p for p in info.value.problems if "zzUnknown" in p]
    listed = re.search(r"unknown key \(valid: ([^)]*)\)", problem)
    assert listed, problem
    return listed.group(1).split(", ")


def section_text(markdown: str, heading: str) -> str:
    """The text under the heading ``heading`` up to the next heading of the same or a higher level."""
    m = re.search(rf"^(#+) {re.escape(heading)}$", markdown, re.M)
    assert m, f"no heading {heading!r}"
    rest = markdown[m.end() :]
    end = re.search(rf"^#{{1,{len(m.group(1))}}} ", rest, re.M)
    return rest if end is None else rest[: end.start()]


CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("place", "prefix"),
    [(("b2c-apigw:tenant",), "tenant."), (("b2c-apigw:api",), "api."), (("b2c-apigw:clients", 0), "clients[].")],
)
def test_configuration_md_has_a_section_per_key(place: tuple[Any, ...], prefix: str) -> None:
    keys = known_keys(place)
    assert len(keys) >= 3, keys
    have = headings(CONFIGURATION)
    assert [k for k in keys if f"`{prefix}{k}`" not in have] == []


@pytest.mark.parametrize(
    ("place", "heading"),
    [
        (("b2c-apigw:api", "permissions", 0), "`api.permissions`"),
        (("b2c-apigw:api", "routes", 0), "`api.routes`"),
        (("b2c-apigw:api", "throttle"), "`api.throttle`"),
    ],
)
def test_configuration_md_describes_every_nested_key(place: tuple[Any, ...], heading: str) -> None:
    keys = known_keys(place)
    text = section_text(CONFIGURATION, heading)
    # Named alone (`burst`) or with its path (`api.throttle.burst`, `api.routes[].scopes`).
    assert [k for k in keys if f"`{k}`" not in text and f".{k}`" not in text] == []


def test_configuration_md_refuses_nothing_silently_about_sections() -> None:
    """The sections the docs name are those the program reads: a misspelt one is refused."""
    cfg = stack_config(next(p for p in EXAMPLES if p.name == "b2c-minimal.yaml"))
    cfg["b2c-apigw:client"] = []
    with pytest.raises(ConfigError) as info:
        read_settings(config_getter(cfg), "dev", keys=cfg)
    (problem,) = info.value.problems
    valid = re.search(r"valid: (.*)\)", problem)
    assert valid, problem
    for section in valid.group(1).split(", "):
        assert f"## `{section}`" in CONFIGURATION
