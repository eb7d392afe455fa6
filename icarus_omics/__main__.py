"""``python -m icarus_omics`` runs the command line."""

from icarus_omics.cli import main

main()
