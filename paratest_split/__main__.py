"""`python -m paratest_split`: the only place that calls sys.exit."""

import sys

from paratest_split.cli import main

if __name__ == "__main__":
    sys.exit(main())
