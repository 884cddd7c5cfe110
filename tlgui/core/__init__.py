"""The engine: everything a user can do, without Qt."""
