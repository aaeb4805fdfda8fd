"""``python -m coopgraph`` is the ``coopgraph`` command."""

import sys

from .cli import main

sys.exit(main())
