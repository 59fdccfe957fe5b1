pytest_plugins = ["janitor.devtools.pytest_plugin"]
