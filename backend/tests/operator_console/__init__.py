"""The operator console and its command line (not named ``operator``: the test packages are on
the import path, and that name would hide the standard library's ``operator``)."""
