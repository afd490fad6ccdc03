"""``python -m app.cli``: the livc-hub command."""

from app.cli import main

raise SystemExit(main())
