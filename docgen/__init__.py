"""docgen: verified derivation documents."""

__version__ = "0.1.0"
