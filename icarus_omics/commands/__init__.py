"""One module per subcommand; each is registered by name in ``icarus_omics.cli``."""
