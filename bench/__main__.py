"""`python -m bench`: the hotline's benchmark (bench/README.md)."""

import sys

from bench.main import main

sys.exit(main())
