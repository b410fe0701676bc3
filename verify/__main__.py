"""Entry point of ``python -m verify``."""

from __future__ import annotations

from verify.cli import main

raise SystemExit(main())
