"""gkml: Chinese Open Government Information annual reports → checked, structured data."""

__version__ = "0.1.0"
