"""``python -m digest``: the same as the ``digest`` command."""

from .cli import main

raise SystemExit(main())
