"""``python -m releasegate`` is the ``releasegate`` command."""

import sys

from releasegate.cli import main

sys.exit(main())
