"""``python -m inngest_codecs``: the command line."""

import sys

from .cli import main

sys.exit(main())
