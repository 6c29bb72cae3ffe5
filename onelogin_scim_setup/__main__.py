"""`python -m onelogin_scim_setup` runs the CLI."""

from onelogin_scim_setup.cli import main

main()
