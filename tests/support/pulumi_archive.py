"""What Pulumi makes of a ``pulumi.FileArchive``: the hash its diff compares, and the zip a provider uploads.

Written from pulumi/pulumi ``sdk/go/common/resource/archive/archive.go``:

- ``Archive.Equals`` compares hashes only; ``EnsureHashWithWD`` computes one. For a path ending in
  ``.zip``/``.tar``/``.tgz``/``.tar.gz``/``.jar`` (``detectArchiveFormat``) it is the SHA-256 of
  the file's raw bytes (``ReadSourceArchiveWithWD`` then ``io.Copy`` into the hash).
- Otherwise (a directory) it is the SHA-256 of ``archiveTar``'s output: ``readPath`` walks the
  directory with ``filepath.Walk`` (each directory's entries in byte order of their names),
  skipping directories themselves and anything named ``.pulumi``; ``addNextFileToTar`` writes per
  file a header with only ``Name`` (slash-separated, relative), ``Mode: 0o600`` and ``Size``, then
  the content; ``tar.Writer.Close`` ends with two zero blocks. Go's USTAR header for that: numeric
  fields in zero-padded octal ending in NUL (uid, gid, mtime, devmajor, devminor all 0), magic
  ``ustar\\0`` and version ``00``, the checksum as six octal digits, NUL, space.
- ``archiveZIP`` (what the AWS provider uploads for a directory, through the bridge's
  ``AssetTranslation.TranslateArchive`` writing ``archive.Archive(ZIPArchive, f)``): files only,
  in the same order, each ``zip.Deflate`` with ``Modified`` 1990-01-01, through Go's
  ``archive/zip`` (its deflate: Go's own ``compress/flate`` at level 5, with a data descriptor
  after each entry).

The directory hash below was checked once against Go 1.19's ``archive/tar`` running the same
steps over the deployed package tree: equal digests. ``zip_like_pulumi`` is an estimate: zlib at
level 5 is not Go's flate (see bench/authorizer.py).
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

ARCHIVE_SUFFIXES = (".tar", ".tgz", ".tar.gz", ".zip", ".jar")
BOOKKEEPING_DIR = ".pulumi"
GO_ZIP_LEVEL = 5
"""Go ``archive/zip``'s deflate level (``register.go``: ``flate.NewWriter(w, 5)``)."""
GO_DATA_DESCRIPTOR = 16
"""Bytes Go's ``zip.Writer`` writes after each entry (signature, CRC-32, two sizes)."""


def walk(root: Path) -> list[tuple[str, Path]]:
    """Pulumi's members of a directory archive: (slash name, path), in ``filepath.Walk`` order."""
    found: list[tuple[str, Path]] = []

    def visit(directory: Path, prefix: str) -> None:
        for name in sorted(os.listdir(directory), key=os.fsencode):
            if name == BOOKKEEPING_DIR:
                continue
            path = directory / name
            if path.is_dir():  # a symlink to a directory is skipped by Walk; none are written here
                visit(path, f"{prefix}{name}/")
            else:
                found.append((f"{prefix}{name}", path))

    visit(root, "")
    return found


def _octal(value: int, width: int) -> bytes:
    return b"%0*o" % (width - 1, value) + b"\0"


def _tar_header(name: str, size: int) -> bytes:
    encoded = name.encode()
    if len(encoded) > 100:
        raise ValueError(f"{name!r}: over 100 bytes, Go would split it into USTAR's prefix (not modelled)")
    header = bytearray(512)
    header[0 : len(encoded)] = encoded
    header[100:108] = _octal(0o600, 8)
    header[108:116] = _octal(0, 8)  # uid
    header[116:124] = _octal(0, 8)  # gid
    header[124:136] = _octal(size, 12)
    header[136:148] = _octal(0, 12)  # mtime: the zero time.Time
    header[156:157] = b"0"  # regular file
    header[257:263] = b"ustar\0"
    header[263:265] = b"00"
    header[329:337] = _octal(0, 8)  # devmajor
    header[337:345] = _octal(0, 8)  # devminor
    header[148:156] = b" " * 8
    header[148:156] = _octal(sum(header), 7) + b" "
    return bytes(header)


def tar_of_members(members: list[tuple[str, bytes]]) -> bytes:
    """``archiveTar``'s stream for these members, in this order."""
    out = io.BytesIO()
    for name, data in members:
        out.write(_tar_header(name, len(data)))
        out.write(data)
        out.write(b"\0" * (-len(data) % 512))
    out.write(b"\0" * 1024)
    return out.getvalue()


def archive_hash(path: Path) -> str:
    """The ``hash`` Pulumi records for ``pulumi.FileArchive(path)`` and compares on every preview."""
    if path.name.endswith(ARCHIVE_SUFFIXES):
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return hashlib.sha256(tar_of_members([(name, p.read_bytes()) for name, p in walk(path)])).hexdigest()


def zip_like_pulumi(root: Path, level: int = GO_ZIP_LEVEL) -> bytes:
    """A zip shaped as ``archiveZIP`` makes it (files only, Walk order, deflate, 1990-01-01), by zlib."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, path in walk(root):
            info = zipfile.ZipInfo(name, date_time=(1990, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=level)
    return out.getvalue()
