"""The edition as files: HTML, PDF and JSON (a registry of formats), and the archive page."""
