"""`python -m delivery`: see delivery/cli.py."""

import sys

from delivery.cli import main

sys.exit(main())
