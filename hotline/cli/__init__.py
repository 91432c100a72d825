"""The `hotline` command (`hotline.cli.main`), one module per group of subcommands."""
