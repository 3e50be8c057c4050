"""`python -m app` runs the `loyalty` command."""

from app.cli import main

raise SystemExit(main())
