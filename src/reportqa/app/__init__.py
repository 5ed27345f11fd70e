"""The user-facing parts: HTML rendering and the UI's static files."""
