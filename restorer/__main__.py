"""``python -m restorer`` (also what ``torchrun -m restorer train ...`` runs)."""

import sys

from restorer.cli import main

sys.exit(main())
