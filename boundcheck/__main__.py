import sys

from boundcheck.cli import main

sys.exit(main())
