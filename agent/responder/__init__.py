"""The email auto-responder: the worker queue, the per-mail pipeline, delivery and review."""
