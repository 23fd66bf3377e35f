"""Fault-injection tests: model providers failing, the database going away, processes killed."""
