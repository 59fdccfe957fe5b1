"""The operator console: whoever runs the service sees every tenant, disables and enables them,
switches the global deletion kill switch and reads the queues. Every action is in ``operator_audit``."""
