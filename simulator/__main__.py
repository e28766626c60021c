"""`python -m simulator`: dispatch to the command line."""

from simulator.cli import main

main()
