"""Sending an edition by e-mail, exactly once per recipient."""
