pytest_plugins = ["janitor.devtools.pytest_plugin", "janitor.devtools.sim_fixtures"]
