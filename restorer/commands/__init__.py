"""One module per restorer subcommand: add_parser(subparsers) and run(args) -> int."""
