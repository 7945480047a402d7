"""``python -m goodwill`` runs the command-line tool."""

from goodwill.cli.main import main

main()
