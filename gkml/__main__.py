import sys

from gkml.cli import main

sys.exit(main())
