"""One module per pipeline. Each defines `ORDER` (its place in `--help`) and
`register(subparsers, common)`, which adds its command and sets `func`."""
